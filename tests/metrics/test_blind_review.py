"""Blind review in the shared figures: the quality department, who judges the disputes, is not
told who opened them nor their side (no dispute figures at all, on the page and in the API),
while both sides still see them; and it costs no query."""

import pytest

from coordination.core.org.models import Role
from coordination.metrics.funnel import funnel_metrics
from leads.models import QualitySettings
from tests.factories import member
from tests.metrics.conftest import NOVEMBER as NOVEMBER_PERIOD
from tests.metrics.conftest import NOW

pytestmark = pytest.mark.django_db

API = "/api/v1/metrics/funnel/"
PAGE = "/scoreboard/"
NOVEMBER = {"start": "2026-11-01", "end": "2026-12-01"}
# Every signed-in request: the session and the user; the caller's memberships.
SESSION_USER_MEMBERSHIPS = 2 + 1


@pytest.fixture
def quality_head(org):
    return member(department=org.quality, role=Role.HEAD)


def _blind_review(on: bool) -> None:
    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": on})


@pytest.mark.parametrize("reader", ["adjudicator", "quality_head"])
def test_the_quality_department_gets_no_dispute_figures_from_the_api(
        api_client, funnel_data, org, quality_head, reader):
    _blind_review(True)
    api_client.force_authenticate(quality_head if reader == "quality_head" else org.adjudicator)
    body = api_client.get(API, NOVEMBER).json()
    assert body["disputes"] is None
    assert "Wang Fang" not in str(body) and "by_person" not in str(body)
    # The rest of the figures are the same for everybody.
    assert body["totals"]["leads"] == 10
    assert body["inspections"]["scored"] == 5


def test_a_sales_head_gets_the_dispute_figures_by_person(api_client, funnel_data, org):
    _blind_review(True)
    api_client.force_authenticate(org.sales_head)
    body = api_client.get(API, NOVEMBER).json()
    assert [person["name"] for person in body["disputes"]["by_person"]] == [
        "Lina Chen", "Wang Fang", "Li Lei", "Zhou Min"]
    assert {side["side"] for side in body["disputes"]["by_side"]} == {"sales", "marketing"}


def test_blind_review_is_on_without_a_settings_row_and_off_when_turned_off(
        api_client, funnel_data, org):
    QualitySettings.objects.filter(pk=1).delete()
    api_client.force_authenticate(org.adjudicator)
    assert api_client.get(API, NOVEMBER).json()["disputes"] is None

    _blind_review(False)
    body = api_client.get(API, NOVEMBER).json()
    assert body["disputes"]["by_person"][0]["name"] == "Lina Chen"


def test_the_scoreboard_shows_an_adjudicator_no_dispute_figures(client, funnel_data, org):
    _blind_review(True)
    client.force_login(org.adjudicator)
    html = client.get(PAGE, {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert 'id="dispute-figures-blind"' in html
    assert 'id="dispute-people"' not in html and 'id="dispute-sides"' not in html
    for name in ("Wang Fang", "Li Lei", "Lina Chen", "Zhou Min"):
        assert name not in html
    assert 'id="figure-inspections"' in html

    client.force_login(org.sales_head)
    html = client.get(PAGE, {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert 'id="dispute-people"' in html and "Wang Fang" in html
    assert 'id="dispute-figures-blind"' not in html


def test_without_the_disputes_the_funnel_reads_no_dispute(funnel_data,
                                                           django_assert_num_queries):
    with django_assert_num_queries(3):
        funnel = funnel_metrics(period=NOVEMBER_PERIOD, now=NOW, with_disputes=False)
    assert funnel.disputes is None
    assert funnel.totals.leads == 10


def test_a_blind_reader_pays_no_more_queries(client, funnel_data, org,
                                            django_assert_num_queries):
    _blind_review(True)
    # The quality settings are read instead of the disputes.
    client.force_login(org.adjudicator)
    with django_assert_num_queries(SESSION_USER_MEMBERSHIPS + 1 + 3):
        assert client.get(API, NOVEMBER).json()["disputes"] is None
    # Nobody else reads the settings.
    client.force_login(org.sales_head)
    with django_assert_num_queries(SESSION_USER_MEMBERSHIPS + 4):
        assert client.get(API, NOVEMBER).json()["disputes"] is not None
