"""POST /api/v1/leads/{id}/follow-ups/ holds the caller to the service's rules: each broken rule
and each hostile input is a 400 naming its field, never a 500, and nothing is written."""

import datetime
import json

import pytest
from django.utils import timezone

from leads.models import FollowUp, LeadStatus
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


@pytest.fixture
def lead(reps, source):
    now = timezone.now()
    return LeadFactory(source=source, owner=reps[0], status=LeadStatus.ASSIGNED,
                       assigned_at=now, first_contact_due_at=now + datetime.timedelta(minutes=30))


def _valid() -> dict:
    return {"channel": "wechat", "outcome": "interested", "notes": "客户要报价，预算已经批了",
            "next_step": "发报价",
            "next_step_at": (timezone.now() + datetime.timedelta(days=2)).isoformat()}


def _post(api_client, lead, payload: dict):
    api_client.force_authenticate(lead.owner)
    # Encoded here, escaping what UTF-8 cannot carry (lone surrogates) as JSON allows.
    return api_client.post(f"{LEADS}{lead.pk}/follow-ups/", data=json.dumps(payload),
                           content_type="application/json")


def _refused_on(api_client, lead, field: str, **changes) -> dict:
    payload = {**_valid(), **changes}
    payload = {name: value for name, value in payload.items() if value is not ...}
    response = _post(api_client, lead, payload)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field], errors
    assert not FollowUp.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED and lead.first_contacted_at is None
    return errors[0]


def test_a_valid_follow_up_is_logged(api_client, lead):
    response = _post(api_client, lead, _valid())
    assert response.status_code == 201, response.content
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.next_step_due_at is not None


def test_channel_and_outcome_alone_are_refused(api_client, lead):
    response = _post(api_client, lead, {"channel": "call", "outcome": "reached"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "notes"
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("notes", [..., None, "", "   ", "好的", "电话未接通"])
def test_missing_or_short_notes_are_refused(api_client, lead, notes):
    error = _refused_on(api_client, lead, "notes", notes=notes)
    assert error["code"] == "too_short"


@pytest.mark.parametrize("next_step", [..., "", "   "])
def test_a_missing_next_step_is_refused(api_client, lead, next_step):
    _refused_on(api_client, lead, "next_step", next_step=next_step)


@pytest.mark.parametrize("next_step_at", [..., None, ""])
def test_a_missing_next_step_date_is_refused(api_client, lead, next_step_at):
    _refused_on(api_client, lead, "next_step_at", next_step_at=next_step_at)


def test_a_next_step_date_in_the_past_or_beyond_the_horizon_is_refused(api_client, lead):
    now = timezone.now()
    _refused_on(api_client, lead, "next_step_at",
                next_step_at=(now - datetime.timedelta(hours=1)).isoformat())
    error = _refused_on(api_client, lead, "next_step_at",
                        next_step_at=(now + datetime.timedelta(days=31)).isoformat())
    assert error["code"] == "beyond_horizon"


def _in_two_days() -> str:
    return (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT10:00:00")


@pytest.mark.parametrize("next_step_at", [
    "2026-12-05T10:00:00+23:59",
    "2026-12-05T10:00:00+99:00",
    "2026-13-45T10:00",
    "0000-01-01T10:00",
    "10000-01-01T10:00",
    "0001-01-01T00:00",
    "0001-01-01T00:00:00+15:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-15:00",
    "2026-12-05T10:00\x00garbage",
    "2026-12-05T10:00\ud800",
    "next tuesday",
    12345,
    ["2026-12-05T10:00"],
])
def test_hostile_next_step_dates_are_field_errors(api_client, lead, next_step_at):
    _refused_on(api_client, lead, "next_step_at", next_step_at=next_step_at)


@pytest.mark.parametrize("offset", ["+23:59", "+16:00", "-16:00"])
def test_an_offset_no_time_zone_has_is_refused_even_in_the_near_future(api_client, lead,
                                                                       offset):
    error = _refused_on(api_client, lead, "next_step_at", next_step_at=_in_two_days() + offset)
    assert error["code"] == "invalid_offset"


@pytest.mark.parametrize("field", ["notes", "next_step"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udc00"])
def test_text_that_cannot_be_stored_is_a_field_error(api_client, lead, field, bad):
    _refused_on(api_client, lead, field, **{field: f"客户要报价{bad}，预算已经批了"})
