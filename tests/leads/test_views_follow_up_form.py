"""The follow-up form on the lead page and in My leads: nothing preselected, an untouched form
saves nothing, and hostile dates are errors at their field, never a 500."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind
from leads.models import FollowUp, Lead, LeadStatus
from tests.factories import LeadFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return member(DepartmentKind.SALES)


@pytest.fixture
def lead(rep):
    now = timezone.now()
    return LeadFactory(owner=rep, status=LeadStatus.ASSIGNED, assigned_at=now,
                       first_contact_due_at=now + datetime.timedelta(minutes=30))


def _select(html: str, lead: Lead, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*id="follow-up-{lead.pk}-{name}"[^>]*>(.*?)'
                      r"</select>", html, re.S)
    assert match, name
    return match.group(1)


def _assert_nothing_preselected(html: str, lead: Lead) -> None:
    for name in ("channel", "outcome"):
        options = _select(html, lead, name)
        # The first option is the empty "choose" one, and it is the one selected.
        assert re.match(r'\s*<option value="" selected>', options), options
        assert options.count("selected") == 1, options


def test_the_lead_page_preselects_no_channel_and_no_outcome(client, rep, lead):
    client.force_login(rep)
    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    _assert_nothing_preselected(html, lead)


def test_my_leads_preselects_no_channel_and_no_outcome(client, rep, lead):
    client.force_login(rep)
    html = client.get(reverse("leads:mine")).content.decode()
    _assert_nothing_preselected(html, lead)


def _post(client, lead, **data):
    return client.post(reverse("leads:follow_up", args=[lead.pk]), data)


def _assert_nothing_written(lead: Lead) -> None:
    due = lead.first_contact_due_at
    assert not FollowUp.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.first_contacted_at is None and lead.last_follow_up_at is None
    assert lead.first_contact_due_at == due


def _error_fields(html: str) -> set[str]:
    return set(re.findall(r'class="form-field form-field--(\w+) has-error"', html))


def test_an_untouched_form_saves_nothing_and_keeps_the_first_contact_deadline(client, rep,
                                                                               lead):
    client.force_login(rep)
    # What yesterday's form sent when saved untouched: its preselected channel and outcome.
    response = _post(client, lead, channel="call", outcome="reached", notes="", next_step="",
                     next_step_at="")
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {"notes", "next_step", "next_step_at"}
    _assert_nothing_written(lead)

    # Today's untouched form sends no channel and no outcome either.
    response = _post(client, lead, channel="", outcome="", notes="", next_step="",
                     next_step_at="")
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {
        "channel", "outcome", "notes", "next_step", "next_step_at"}
    _assert_nothing_written(lead)


def _filled(**fields) -> dict:
    in_two_days = timezone.localtime() + datetime.timedelta(days=2)
    data = {"channel": "call", "outcome": "reached", "notes": "客户要报价，预算已经批了",
            "next_step": "发报价", "next_step_at": in_two_days.strftime("%Y-%m-%dT10:00")}
    data.update(fields)
    return data


def test_short_notes_are_shown_at_the_notes_field(client, rep, lead):
    client.force_login(rep)
    response = _post(client, lead, **_filled(notes="好的"))
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {"notes"}
    _assert_nothing_written(lead)


def test_a_next_step_beyond_the_horizon_is_shown_at_its_field(client, rep, lead):
    client.force_login(rep)
    far = timezone.localtime() + datetime.timedelta(days=45)
    response = _post(client, lead, **_filled(next_step_at=far.strftime("%Y-%m-%dT10:00")))
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {"next_step_at"}
    _assert_nothing_written(lead)


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
    "9999-12-31T23:59",
    "9999-12-31T23:59:59-15:00",
    "2026-12-05T10:00\x00garbage",
    "next tuesday",
    "+23:59", "+16:00", "-16:00",
])
def test_hostile_next_step_dates_are_errors_at_their_field(client, rep, lead, next_step_at):
    if next_step_at[0] in "+-":
        next_step_at = _in_two_days() + next_step_at  # in the near future, only its offset off
    client.force_login(rep)
    response = _post(client, lead, **_filled(next_step_at=next_step_at))
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {"next_step_at"}
    _assert_nothing_written(lead)


@pytest.mark.parametrize("field", ["notes", "next_step"])
def test_a_nul_character_is_an_error_at_its_field(client, rep, lead, field):
    client.force_login(rep)
    response = _post(client, lead, **_filled(**{field: "客户要报价\x00，预算已经批了"}))
    assert response.status_code == 400
    assert _error_fields(response.content.decode()) == {field}
    _assert_nothing_written(lead)
