"""The shared scoreboard page: who sees it, what it shows, its filters and its query count."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from coordination.core.org.models import DepartmentKind, Role
from coordination.core.web.navigation import navigation_for
from tests.factories import CampaignFactory, SourceFactory, UserFactory, member
from tests.metrics.conftest import _dispute, _lead, at

pytestmark = pytest.mark.django_db

URL = "/scoreboard/"
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}  # the page's To is included
# Every signed-in page: the session and the user; the layout: the memberships (shared with the
# permission check) and the unread count.
SESSION_AND_USER = 2
LAYOUT = 2
# The source choices of the filter (which also validate it) and the four queries of
# funnel_metrics.
SCOREBOARD = 1 + 4


@pytest.fixture
def today(monkeypatch):
    """The page's "this month" is November 2026 whatever the clock says."""
    monkeypatch.setattr("coordination.dashboards.views.today_in_site_zone",
                        lambda: datetime.date(2026, 11, 26))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_url():
    assert reverse("dashboards:scoreboard") == URL


@pytest.mark.parametrize("who", ["rep", "sales_head", "marketing", "quality", "executive",
                                 "superuser"])
def test_both_sides_quality_and_executives_see_the_page(client, who):
    users = {
        "rep": lambda: member(DepartmentKind.SALES),
        "sales_head": lambda: member(DepartmentKind.SALES, role=Role.HEAD),
        "marketing": lambda: member(DepartmentKind.MARKETING),
        "quality": lambda: member(DepartmentKind.QUALITY, is_inspector=True),
        "executive": lambda: member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }
    user = users[who]()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert "scoreboard" in [item["key"] for item in navigation_for(user, URL)]


@pytest.mark.parametrize("kind", [DepartmentKind.DELIVERY, DepartmentKind.LEGAL,
                                  DepartmentKind.AFTER_SALES, DepartmentKind.FINANCE])
def test_other_departments_are_refused(client, kind):
    user = member(kind, role=Role.HEAD)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert "scoreboard" not in [item["key"] for item in navigation_for(user, URL)]


def test_someone_of_no_department_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_marketing_and_sales_see_the_same_figures(client, funnel_data, org):
    pages = []
    for user in (org.lina, org.wang):
        client.force_login(user)
        response = client.get(URL, NOVEMBER)
        assert response.status_code == 200
        pages.append(re.sub(r'<header class="site-header".*?</header>', "", _text(response)))
    assert pages[0] == pages[1]


def test_page_shows_the_month(client, funnel_data, org):
    client.force_login(org.lina)
    response = client.get(URL, NOVEMBER)
    text = _text(response)

    funnel = response.context["funnel"]
    assert funnel.period.start == datetime.date(2026, 11, 1)
    assert funnel.period.end == datetime.date(2026, 12, 1)
    assert response.context["custom"] is True
    # The shared outcome on top, per currency.
    outcome = re.search(r'data-testid="shared-outcome">(.*?)</p>', text).group(1)
    assert re.sub(r"<[^>]+>", "", outcome).split() == ["CNY", "6,000.00", "USD", "500.00"]
    assert text.index('id="shared-outcome"') < text.index('id="marketing-figures"')
    # Marketing's volume and sales' conversion, side by side.
    assert re.search(r'id="figure-leads">10<', text)
    assert re.search(r'id="figure-valid-rate">.*?80\.0%.*?8/10', text)
    assert re.search(r'id="figure-conversion">.*?37\.5%.*?3/8', text)
    assert re.search(r'id="figure-sla">.*?55\.6%.*?5/9', text)
    assert re.search(r'id="figure-first-contact-missed">.*?40\.0%.*?4/10', text)
    assert re.search(r'id="figure-reassignment">.*?10\.0%.*?1/10', text)
    assert re.search(r'id="figure-inspections">.*?80\.0%.*?4/5', text)
    # Sources and campaigns, leads of no campaign last.
    table = text[text.index('id="source-table"'):text.index("</table>",
                                                          text.index('id="source-table"'))]
    rows = re.findall(r'<th scope="row">(.*?)</th>', table)
    assert [re.sub(r"<[^>]+>", "", row) for row in rows] == [
        "A search ads", "A1 spring", "A2 autumn", "B trade fair", "B1 expo", "No campaign",
        "Total"]
    # The same rows' cells (the header row left out), tags stripped.
    cells = [[re.sub(r"<[^>]+>", "", cell).strip()
              for cell in re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)]
             for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)[1:]]
    # First contact missed: A 2/6 (L2 escalated, L4), A1 2/4, A2 0/2, B 2/4 (L7, L9), B1 1/2
    # (L9), no campaign 1/2 (L7); 4/10 in all.
    assert [row[7] for row in cells] == [
        "33.3%", "50.0%", "0.0%", "50.0%", "50.0%", "50.0%", "40.0%"]
    # Inspection pass rate: A 3/3, A1 2/2, A2 1/1, B 1/2, B1 1/1 (L10), no campaign 0/1 (L8);
    # 4/5 in all.
    assert [row[9] for row in cells] == [
        "100.0%", "100.0%", "100.0%", "50.0%", "100.0%", "0.0%", "80.0%"]
    # Disputes lost per side and per person.
    assert re.search(r'data-side="sales"> <th scope="row">Sales</th> <td class="num">3</td> '
                     r'<td class="num">3</td> <td class="num">2</td> <td class="num">1</td>',
                     text)
    assert re.search(r'data-side="marketing"> <th scope="row">Marketing</th> '
                     r'<td class="num">3</td> <td class="num">2</td> <td class="num">1</td> '
                     r'<td class="num">1</td>', text)
    people = re.findall(r'<tr data-user="\d+"> <th scope="row">(.*?)</th>', text)
    assert people == ["Lina Chen", "Wang Fang", "Li Lei", "Zhou Min"]


def test_trend_chart_is_inline_svg_without_any_script(client, funnel_data, org):
    client.force_login(org.wang)
    text = _text(client.get(URL, NOVEMBER))

    for chart in ("chart-outcome", "chart-volume", "chart-rates"):
        assert f'<svg class="chart" id="{chart}"' in text
    # One outcome bar per day with CNY won: the 1st (L1), the 10th (L5), the 11th (L8).
    outcome = text[text.index('id="chart-outcome"'):text.index("</svg>",
                                                              text.index('id="chart-outcome"'))]
    assert re.findall(r"<title>(11-\d\d: CNY [\d,.]+)</title>", outcome) == [
        "11-01: CNY 1,000.00", "11-10: CNY 2,000.00", "11-11: CNY 3,000.00"]
    volume = text[text.index('id="chart-volume"'):text.index("</svg>",
                                                            text.index('id="chart-volume"'))]
    assert "11-11: 1 leads ruled invalid" in volume
    # Thirty days in the table under the chart.
    trend = text[text.index('id="trend-table"'):]
    assert len(re.findall(r'<time datetime="2026-11-\d\d">', trend)) == 30
    # Nothing from another site: Tandem runs on closed networks.
    assert not re.search(r'(src|href)="(https?:)?//', text)


def test_default_period_is_this_month(client, funnel_data, org, today):
    client.force_login(org.zhou)
    response = client.get(URL)
    assert response.context["funnel"].period.start == datetime.date(2026, 11, 1)
    assert response.context["funnel"].totals.leads == 10
    current = re.findall(r'data-period="(\w+)" class="is-current"', _text(response))
    assert current == ["this_month"]


def test_presets(client, funnel_data, org, today):
    client.force_login(org.zhou)
    last = client.get(URL, {"period": "last_month"}).context["funnel"]
    assert (last.period.start, last.totals.leads) == (datetime.date(2026, 10, 1), 1)
    quarter = client.get(URL, {"period": "this_quarter"}).context["funnel"]
    assert (quarter.period.start, quarter.period.end) == (datetime.date(2026, 10, 1),
                                                          datetime.date(2027, 1, 1))
    assert (quarter.totals.leads, quarter.trend.granularity) == (12, "week")


def test_source_filter_and_preset_links_keep_it(client, funnel_data, org, today):
    client.force_login(org.wang)
    source = funnel_data.source_b
    response = client.get(URL, {"source": source.pk})
    funnel = response.context["funnel"]
    assert [s.name for s in funnel.sources] == ["B trade fair"]
    assert funnel.totals.leads == 4
    assert f"period=last_month&amp;source={source.pk}" in response.content.decode()
    assert "source B trade fair" in _text(response)


def test_bad_custom_dates_are_named_and_this_month_is_shown(client, funnel_data, org, today):
    client.force_login(org.wang)
    response = client.get(URL, {"start": "2026-11-30", "end": "2026-11-01"})
    assert response.status_code == 200
    assert 'data-field-error="end"' in response.content.decode()
    assert response.context["funnel"].period.start == datetime.date(2026, 11, 1)

    response = client.get(URL, {"start": "2026-13-01", "end": "2026-11-01"})
    assert 'data-field-error="start"' in response.content.decode()

    response = client.get(URL, {"source": "999999"})
    assert 'data-field-error="source"' in response.content.decode()
    assert response.context["funnel"].source_id is None


def test_empty_month_shows_dashes_not_errors(client, org):
    client.force_login(org.executive)
    response = client.get(URL, NOVEMBER)
    text = _text(response)
    assert response.status_code == 200
    assert 'id="by-source-empty"' in text
    assert re.search(r'id="figure-conversion"><span class="figure-none"', text)
    assert "CNY</span> <span class=\"money__amount\">0.00" in text


def test_query_count_is_constant_as_leads_grow(client, funnel_data, org,
                                               django_assert_num_queries):
    client.force_login(org.lina)
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + SCOREBOARD):
        assert client.get(URL, NOVEMBER).status_code == 200

    for index in range(4):
        source = SourceFactory()
        campaign = CampaignFactory(source=source)
        for day in range(1, 8):
            lead = _lead(source, campaign if day % 3 else None, at(11, day + index, 10),
                         status="won", won_value=Decimal("100"),
                         won_currency="EUR" if day == 1 else "CNY")
            _dispute(lead, "marketing", org.zhou, at(11, 22), ["invalid"], org.adjudicator)

    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + SCOREBOARD):
        response = client.get(URL, {**NOVEMBER, "source": funnel_data.source_a.pk})
    assert response.status_code == 200
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + SCOREBOARD):
        response = client.get(URL, NOVEMBER)
    assert response.context["funnel"].totals.leads == 38
