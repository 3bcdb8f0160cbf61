"""The scoreboard's trend charts as geometry for inline SVG, drawn by the template.

Tandem runs on closed networks: no chart library, no script. The figures come from the metrics
service; this module only places them (bars, lines, axes) in a fixed view box, so that the
template writes `<rect>`s and `<polyline>`s without computing anything.
"""

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from coordination.metrics.funnel import Trend

WIDTH = 540
WIDE = 1100
HEIGHT = 220
LEFT = 64
RIGHT = 12
TOP = 12
BOTTOM = 28
# About one label per 70 units of width, so that "11-24" labels never touch.
LABEL_SPACING = 70
BAR_SHARE = 0.7


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    y_ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    empty: bool = False

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def tick_x(self) -> int:
        return self.left - 6

    @property
    def label_y(self) -> int:
        return self.bottom + 17


def _round(value: float) -> float:
    return round(value, 1)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _scale(maximum: float, *, integer: bool) -> tuple[float, float]:
    """A round top of the axis and its step, about four steps from zero to the maximum."""
    maximum = max(float(maximum), 1.0)
    raw = maximum / 4
    exponent = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * exponent for m in multiples if m * exponent >= raw)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    return step * math.ceil(maximum / step), step


def _bucket_label(bucket: datetime.date, granularity: str) -> str:
    return bucket.strftime("%Y-%m") if granularity == "month" else bucket.strftime("%m-%d")


class _Frame:
    """The plot area of one chart: n slots along x, a scale along y."""

    def __init__(self, chart: Chart, count: int, top_value: float) -> None:
        self.chart = chart
        self.slot = (chart.right - chart.left) / max(count, 1)
        self.top_value = top_value or 1.0

    def x_center(self, index: int) -> float:
        return self.chart.left + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        height = self.chart.bottom - self.chart.top
        return self.chart.top + height * (1 - float(value) / self.top_value)

    def bar(self, index: int, low: float, high: float, css: str, title: str) -> dict:
        width = max(self.slot * BAR_SHARE, 1.0)
        y_high, y_low = self.y(high), self.y(low)
        return {"x": _round(self.x_center(index) - width / 2), "y": _round(y_high),
                "width": _round(width), "height": _round(max(y_low - y_high, 0.0)),
                "css": css, "title": title}


def _axes(chart: Chart, frame: _Frame, labels: Sequence[str], step: float,
          tick_text: Callable[[float], str]) -> None:
    value = 0.0
    while value <= frame.top_value + 1e-9:
        chart.y_ticks.append({"y": _round(frame.y(value)), "label": tick_text(value)})
        value += step
    most = max((chart.right - chart.left) // LABEL_SPACING, 1)
    every = math.ceil(len(labels) / most) or 1
    chart.x_labels = [{"x": _round(frame.x_center(index)), "label": label}
                      for index, label in enumerate(labels) if index % every == 0]


def outcome_chart(trend: Trend, currency: str) -> Chart:
    """Bars of the shared outcome per bucket, in one currency: the wide chart on top."""
    chart = Chart(width=WIDE)
    labels = [_bucket_label(point.bucket, trend.granularity) for point in trend.points]
    values = [point.figures.outcome_in(currency) for point in trend.points]
    top, step = _scale(max(values, default=Decimal(0)), integer=True)
    frame = _Frame(chart, len(values), top)
    _axes(chart, frame, labels, step, _number)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value:
            chart.bars.append(frame.bar(index, 0, float(value), "bar--outcome",
                                        f"{label}: {currency} {value:,.2f}"))
    chart.empty = not any(values)
    return chart


def volume_chart(trend: Trend) -> Chart:
    """Stacked bars per bucket: valid leads below, leads ruled invalid on top."""
    chart = Chart()
    labels = [_bucket_label(point.bucket, trend.granularity) for point in trend.points]
    top, step = _scale(max((p.figures.leads for p in trend.points), default=0), integer=True)
    frame = _Frame(chart, len(labels), top)
    _axes(chart, frame, labels, step, _number)
    for index, (label, point) in enumerate(zip(labels, trend.points, strict=True)):
        figures = point.figures
        if figures.valid:
            chart.bars.append(frame.bar(index, 0, figures.valid, "bar--valid", _(
                "%(bucket)s: %(count)d valid leads") % {"bucket": label,
                                                        "count": figures.valid}))
        if figures.invalid:
            chart.bars.append(frame.bar(index, figures.valid, figures.leads, "bar--invalid", _(
                "%(bucket)s: %(count)d leads ruled invalid") % {"bucket": label,
                                                                "count": figures.invalid}))
    chart.empty = not any(point.figures.leads for point in trend.points)
    return chart


def rates_chart(trend: Trend) -> Chart:
    """Lines of the valid-lead rate and the conversion per bucket, 0 to 100 %; a bucket
    without leads leaves a gap."""
    chart = Chart()
    labels = [_bucket_label(point.bucket, trend.granularity) for point in trend.points]
    frame = _Frame(chart, len(labels), 100.0)
    _axes(chart, frame, labels, 25.0, lambda value: f"{value:.0f}%")
    series = [
        ("line--valid", _("valid-lead rate"), lambda figures: figures.valid_rate.percent),
        ("line--conversion", _("conversion"), lambda figures: figures.conversion.percent),
    ]
    for css, name, percent_of in series:
        segments: list[list[tuple[float, float]]] = [[]]
        dots = []
        for index, (label, point) in enumerate(zip(labels, trend.points, strict=True)):
            percent = percent_of(point.figures)
            if percent is None:
                if segments[-1]:
                    segments.append([])
                continue
            x, y = _round(frame.x_center(index)), _round(frame.y(float(percent)))
            segments[-1].append((x, y))
            dots.append({"x": x, "y": y, "title": f"{label}: {name} {percent}%"})
        chart.lines.append({
            "css": css, "dots": dots,
            "segments": [" ".join(f"{x},{y}" for x, y in segment)
                         for segment in segments if len(segment) > 1]})
    chart.empty = not any(line["dots"] for line in chart.lines)
    return chart
