"""The metrics service: the one place every figure is defined (see DESIGN.md, "Metrics").

It reads the feature apps (leads, later handoff and complaints) and is read by the meetings
and the dashboards; nothing below it imports it.
"""

from coordination.metrics.funnel import (
    Funnel,
    LeadFigures,
    Money,
    Rate,
    funnel_metrics,
    outcome_value_expression,
)
from coordination.metrics.periods import Period, period_check

__all__ = [
    "Funnel", "LeadFigures", "Money", "Period", "Rate", "funnel_metrics",
    "outcome_value_expression", "period_check",
]
