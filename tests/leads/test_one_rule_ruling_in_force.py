"""The ruling in force, written once (`RulingQuerySet.in_force`, `ruling_in_force_value`): the
dispute lists and the API, the ruling page, the lead's verdict and the metrics' dispute figures
all name the same ruling."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from coordination.metrics.funnel import funnel_metrics
from coordination.metrics.periods import Period
from leads.models import Dispute, DisputeStatus, Lead, LeadStatus, Ruling
from leads.selectors import dispute_list_for, ruling_in_force_of, ruling_in_force_value
from leads.services import dispute_open, dispute_rule, ruling_correct
from leads.services.quality import lead_current_verdict
from tests.factories import DepartmentFactory, LeadFactory, member

pytestmark = pytest.mark.django_db

DISPUTES = "/api/v1/disputes/"


@pytest.fixture
def cast(reps, source):
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY)
    return {
        "rep": reps[0],
        "judge": member(department=quality, is_adjudicator=True),
        "quality_head": member(department=quality, role=Role.HEAD),
        "executive": member(DepartmentKind.SALES, role=Role.EXECUTIVE),
        "source": source,
    }


def _open(cast) -> Dispute:
    lead = LeadFactory(owner=cast["rep"], status=LeadStatus.CONTACTED, source=cast["source"])
    return dispute_open(lead=lead, actor=cast["rep"], ground="wrong_number",
                        evidence="三次拨打均提示空号")


def _every_reading(cast, api_client, client, dispute: Dispute) -> dict:
    """The ruling in force of `dispute` as each reader names it."""
    listed = dispute_list_for(user=cast["executive"]).get(pk=dispute.pk)
    api_client.force_authenticate(cast["executive"])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    client.force_login(cast["executive"])
    page = client.get(reverse("leads:dispute", args=[dispute.pk])).context
    metric = (Dispute.objects.filter(pk=dispute.pk)
              .annotate(verdict=ruling_in_force_value("verdict"))
              .values_list("verdict", flat=True).get())
    dispute.lead.refresh_from_db()
    return {
        "queryset": list(Ruling.objects.filter(dispute=dispute).in_force()
                         .values_list("pk", flat=True)),
        "selector": ruling_in_force_of(dispute=dispute).pk,
        "list verdict": (listed.verdict, listed.verdict_reason),
        "api verdict": (body["verdict"], body["verdict_reason"]),
        "api current": [ruling["id"] for ruling in body["rulings"] if ruling["is_current"]],
        "page current": page["current_ruling"].pk,
        "page rows": [row["ruling"].pk for row in page["rulings"] if row["is_current"]],
        "metric verdict": metric,
        "lead verdict": (dispute.lead.quality_verdict,
                         lead_current_verdict(lead_id=dispute.lead_id)),
    }


def test_every_reader_names_the_same_ruling_in_force_after_corrections(
        cast, api_client, client):
    dispute = _open(cast)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number",
                         actor=cast["judge"])
    second = ruling_correct(ruling=first, verdict="valid", note="复核录音：号码有效",
                            actor=cast["quality_head"])
    third = ruling_correct(ruling=second, verdict="invalid", reason="fake", note="再次复核",
                           actor=cast["quality_head"])

    assert _every_reading(cast, api_client, client, dispute) == {
        "queryset": [third.pk],
        "selector": third.pk,
        "list verdict": ("invalid", "fake"),
        "api verdict": ("invalid", "fake"),
        "api current": [third.pk],
        "page current": third.pk,
        "page rows": [third.pk],
        "metric verdict": "invalid",
        "lead verdict": ("invalid", "invalid"),
    }


def test_the_dispute_list_reads_the_ruling_in_force_not_the_ruling_with_the_highest_id(
        cast, api_client, client):
    """The dispute list (and so the API's `verdict`) used to read the ruling with the highest
    id, not the one no correction superseded. Made by the services the two are the same ruling;
    rows that keep ids from elsewhere (a fixture, an import, a restored backup) may not be: here
    the correction has a lower id than the ruling it corrects. Every reader now names the
    correction; before, the list and the API named the superseded ruling."""
    dispute = _open(cast)
    superseded = Ruling.objects.create(pk=900, dispute=dispute, verdict="invalid",
                                       reason="wrong_number", ruled_by=cast["judge"])
    correction = Ruling.objects.create(pk=800, dispute=dispute, verdict="valid",
                                       note="复核录音：号码有效", ruled_by=cast["quality_head"],
                                       supersedes=superseded)
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.RULED,
                                                 ruled_at=timezone.now())
    Lead.objects.filter(pk=dispute.lead_id).update(quality_verdict="valid")

    reading = _every_reading(cast, api_client, client, dispute)

    assert reading["list verdict"] == ("valid", "")
    assert reading["api verdict"] == ("valid", "")
    assert reading == {
        "queryset": [correction.pk],
        "selector": correction.pk,
        "list verdict": ("valid", ""),
        "api verdict": ("valid", ""),
        "api current": [correction.pk],
        "page current": correction.pk,
        "page rows": [correction.pk],
        "metric verdict": "valid",
        "lead verdict": ("valid", "valid"),
    }


def test_the_metrics_count_a_dispute_by_its_ruling_in_force(cast):
    """A sales dispute ruled invalid (upheld), then corrected to valid: lost for sales."""
    dispute = _open(cast)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="wrong_number",
                         actor=cast["judge"])
    ruling_correct(ruling=first, verdict="valid", note="复核录音：号码有效",
                   actor=cast["quality_head"])
    today = timezone.localdate()
    funnel = funnel_metrics(period=Period(today, today + datetime.timedelta(days=1)))
    sales = next(tally for tally in funnel.disputes.sides if tally.side == "sales")
    assert (sales.opened, sales.ruled, sales.lost) == (1, 1, 1)


def test_an_open_dispute_has_no_ruling_in_force(cast):
    dispute = _open(cast)
    assert ruling_in_force_of(dispute=dispute) is None
    assert dispute_list_for(user=cast["executive"]).get(pk=dispute.pk).verdict is None
    assert not Ruling.objects.in_force().filter(dispute=dispute).exists()
