"""Logging a follow-up is a real contact with a next clock: what was said, by which channel,
with which outcome, and the next step with its date within the horizon the admin sets. A
follow-up that is refused writes nothing, so the first-contact clock keeps running."""

import datetime

import pytest

from coordination.core.errors import ApplicationError
from leads.models import FollowUp, Lead, LeadSettings, LeadStatus, Outcome
from leads.services import follow_up_create, lead_assign_auto, leads_sweep_first_contact
from tests.factories import LeadFactory, rule_with_reps
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
NOTES = "客户对报价有兴趣，约好下周演示"
VALID = {"channel": "call", "outcome": "reached", "notes": NOTES, "next_step": "线上演示",
         "next_step_at": TUESDAY_10 + 2 * DAY}


@pytest.fixture
def lead(reps, source):
    rule_with_reps(reps)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    return lead


def _log(lead: Lead, **fields) -> FollowUp:
    return follow_up_create(lead=lead, author=lead.owner, now=TUESDAY_10 + datetime.timedelta(
        minutes=5), **{**VALID, **fields})


def _refused(lead: Lead, **fields) -> ApplicationError:
    """The follow-up is refused with a field error, and neither it nor the lead is written."""
    before = Lead.objects.get(pk=lead.pk)
    with pytest.raises(ApplicationError) as caught:
        _log(lead, **fields)
    assert not FollowUp.objects.filter(lead=lead).exists()
    after = Lead.objects.get(pk=lead.pk)
    assert (after.status, after.first_contacted_at, after.first_contact_due_at,
            after.last_follow_up_at, after.next_step_due_at) == (
        before.status, before.first_contacted_at, before.first_contact_due_at,
        before.last_follow_up_at, before.next_step_due_at)
    return caught.value


def test_a_follow_up_with_what_was_said_and_a_next_step_makes_the_lead_contacted(lead):
    follow_up = _log(lead, notes=f"  {NOTES}\n")
    lead.refresh_from_db()
    assert follow_up.notes == NOTES
    assert lead.status == LeadStatus.CONTACTED
    assert lead.first_contacted_at == TUESDAY_10 + datetime.timedelta(minutes=5)
    assert lead.next_step_due_at == VALID["next_step_at"]
    assert lead.escalation_due_at is not None


def test_an_empty_follow_up_does_not_count_as_first_contact(lead):
    """What the form sent when saved untouched: the preselected channel and outcome only."""
    error = _refused(lead, notes="", next_step="", next_step_at=None)
    assert error.field == "notes"
    # The sweep still takes the lead back when its first-contact deadline passes.
    owner = lead.owner
    report = leads_sweep_first_contact(now=lead.first_contact_due_at + datetime.timedelta(
        minutes=1))
    assert report.reassigned == 1
    assert Lead.objects.get(pk=lead.pk).owner not in (None, owner)


@pytest.mark.parametrize("notes", ["", "   \n\t ", "ok", "电话未接通", "a b c d e f g h i"])
def test_notes_shorter_than_the_minimum_are_refused(lead, notes):
    error = _refused(lead, notes=notes)
    assert (error.field, error.code) == ("notes", "too_short")
    assert "10" in error.message


def test_ten_characters_are_enough_and_spaces_do_not_count(lead):
    error = _refused(lead, notes="电 话 未 接 通 ， 已 发 短")  # nine, and eight spaces
    assert error.field == "notes"
    _log(lead, notes="电话未接通，已发短信")  # ten


def test_the_minimum_length_of_the_notes_is_the_admins_setting(lead):
    LeadSettings.objects.update_or_create(pk=1, defaults={"follow_up_notes_min_length": 20})
    error = _refused(lead, notes=NOTES)  # 15 characters
    assert (error.field, error.code) == ("notes", "too_short")
    assert "20" in error.message


@pytest.mark.parametrize("outcome", Outcome.values)
def test_every_outcome_leaves_the_lead_open_and_needs_a_next_step(lead, outcome):
    assert _refused(lead, outcome=outcome, next_step="").field == "next_step"
    assert _refused(lead, outcome=outcome, next_step="   ").field == "next_step"
    error = _refused(lead, outcome=outcome, next_step_at=None)
    assert (error.field, error.code) == ("next_step_at", "required")


@pytest.mark.parametrize("next_step_at", [TUESDAY_10 + datetime.timedelta(minutes=5),
                                          TUESDAY_10, TUESDAY_10 - 365 * DAY])
def test_a_next_step_in_the_past_is_refused(lead, next_step_at):
    error = _refused(lead, next_step_at=next_step_at)
    assert (error.field, error.code) == ("next_step_at", "in_the_past")


def test_a_next_step_beyond_the_horizon_is_refused(lead):
    now = TUESDAY_10 + datetime.timedelta(minutes=5)
    error = _refused(lead, next_step_at=now + 30 * DAY + datetime.timedelta(minutes=1))
    assert (error.field, error.code) == ("next_step_at", "beyond_horizon")
    assert "30" in error.message
    _log(lead, next_step_at=now + 30 * DAY)  # the default horizon, 30 days, is allowed


def test_the_horizon_is_the_admins_setting(lead):
    LeadSettings.objects.update_or_create(pk=1, defaults={"next_step_max_days": 7})
    error = _refused(lead, next_step_at=TUESDAY_10 + 8 * DAY)
    assert (error.field, error.code) == ("next_step_at", "beyond_horizon")
    assert "7" in error.message


@pytest.mark.parametrize("offset", [datetime.timedelta(hours=23, minutes=59),
                                    datetime.timedelta(hours=16),
                                    -datetime.timedelta(hours=16)])
def test_a_next_step_date_with_an_offset_no_time_zone_has_is_refused(lead, offset):
    # PostgreSQL stores offsets up to ±15:59 and fails on more: a field error, not a 500.
    moment = (TUESDAY_10 + 2 * DAY).astimezone(datetime.timezone(offset))
    error = _refused(lead, next_step_at=moment)
    assert (error.field, error.code) == ("next_step_at", "invalid_offset")


def test_a_next_step_date_with_the_largest_offset_is_accepted(lead):
    moment = (TUESDAY_10 + 2 * DAY).astimezone(datetime.timezone(datetime.timedelta(
        hours=-15, minutes=-59)))
    _log(lead, next_step_at=moment)
    assert Lead.objects.get(pk=lead.pk).next_step_due_at == moment


@pytest.mark.parametrize("moment", [
    datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=15))),
    datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC),
    datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.timezone(
        -datetime.timedelta(hours=15))),
])
def test_next_step_dates_at_the_edge_of_the_calendar_are_field_errors(lead, moment):
    assert _refused(lead, next_step_at=moment).field == "next_step_at"


def test_a_naive_next_step_date_is_refused(lead):
    error = _refused(lead, next_step_at=datetime.datetime(2026, 11, 26, 10))
    assert (error.field, error.code) == ("next_step_at", "naive_datetime")


@pytest.mark.parametrize("field", ["notes", "next_step"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"])
def test_text_that_cannot_be_stored_is_a_field_error(lead, field, bad):
    error = _refused(lead, **{field: f"客户要报价{bad}，下周再联系客户"})
    assert (error.field, error.code) == (field, "invalid_characters")


def test_a_next_step_longer_than_200_characters_is_refused(lead):
    error = _refused(lead, next_step="发" * 201)
    assert (error.field, error.code) == ("next_step", "too_long")
    _log(lead, next_step="发" * 200)


def test_a_missing_channel_or_outcome_is_refused(lead):
    assert _refused(lead, channel="").field == "channel"
    assert _refused(lead, outcome="").field == "outcome"
