"""Two workers at once, on PostgreSQL: real threads, real row locks."""

from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError
from coordination.core.org.models import DepartmentKind
from leads.models import (
    Assignment,
    Dispute,
    DisputeStatus,
    ImportStatus,
    Lead,
    LeadImport,
    LeadStatus,
    Ruling,
)
from leads.services import (
    dispute_open,
    dispute_rule,
    lead_assign_auto,
    lead_claim,
    lead_import_confirm,
    lead_import_create,
    leads_sweep_first_contact,
)
from tests.factories import DepartmentFactory, LeadFactory, LeadPoolFactory, member, rule_with_reps
from tests.leads.conftest import TUESDAY_10
from tests.threads import POSTGRESQL_ONLY, run_together

pytestmark = POSTGRESQL_ONLY


def test_sweep_by_two_workers_reassigns_each_overdue_lead_exactly_once(reps, source):
    rule_with_reps(reps, max_reassignments=5)
    leads = [LeadFactory(source=source) for _ in range(40)]
    for lead in leads:
        lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    moment = max(Lead.objects.values_list("first_contact_due_at", flat=True))
    moment = moment.replace(second=59)

    results = run_together(lambda _i: leads_sweep_first_contact(now=moment))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(report.reassigned for report in results) == 40
    per_lead = Counter(Assignment.objects.filter(reason="reassignment")
                       .values_list("lead_id", flat=True))
    assert len(per_lead) == 40
    assert set(per_lead.values()) == {1}
    for lead in Lead.objects.all():
        assert lead.reassignment_count == 1
        assert lead.owner_id is not None


def test_round_robin_stays_fair_with_two_workers(reps, source):
    rule_with_reps(reps)
    leads = [LeadFactory(source=source) for _ in range(30)]
    halves = [leads[0::2], leads[1::2]]

    def assign(index):
        for lead in halves[index]:
            lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)

    results = run_together(assign)
    assert not [r for r in results if isinstance(r, Exception)], results
    counts = Counter(Lead.objects.values_list("owner_id", flat=True))
    assert None not in counts
    assert sum(counts.values()) == 30
    assert max(counts.values()) - min(counts.values()) <= 1


def test_two_reps_claiming_the_same_lead_at_once_one_wins(reps, source):
    lead = LeadFactory(source=source, pool=LeadPoolFactory(), pooled_at=TUESDAY_10)
    results = run_together(lambda i: lead_claim(lead=lead, user=reps[i], now=TUESDAY_10))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "already_claimed"
    lead.refresh_from_db()
    assert lead.owner_id == winners[0].to_user_id
    assert Assignment.objects.filter(lead=lead, reason="claim").count() == 1


def test_a_daily_cap_holds_for_a_rep_shared_by_two_rules_assigning_at_once(sales, team,
                                                                          source):
    shared = member(department=sales, team=team)
    others = [member(department=sales, team=team) for _ in range(2)]
    rules = [rule_with_reps([shared, others[i]], daily_cap=1, priority=i + 1,
                            conditions=[{"field": "region", "op": "equals", "value": region}])
             for i, region in enumerate(["上海", "北京"])]
    assert len(rules) == 2
    leads = [LeadFactory(source=source, region="上海"), LeadFactory(source=source, region="北京")]

    results = run_together(lambda i: lead_assign_auto(lead_id=leads[i].pk, now=TUESDAY_10))
    assert not [r for r in results if isinstance(r, Exception)], results
    owners = list(Lead.objects.values_list("owner_id", flat=True))
    assert None not in owners
    assert owners.count(shared.pk) == 1


def test_two_adjudicators_ruling_the_same_dispute_at_once_make_one_ruling(reps, source):
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY)
    judges = [member(department=quality, is_adjudicator=True) for _ in range(2)]
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="wrong_number",
                           evidence="三次拨打均提示空号")
    verdicts = [("invalid", "fake"), ("valid", "")]

    def rule(index):
        verdict, reason = verdicts[index]
        return dispute_rule(dispute=Dispute.objects.get(pk=dispute.pk), verdict=verdict,
                            reason=reason, actor=judges[index])

    results = run_together(rule)

    rulings = [r for r in results if isinstance(r, Ruling)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(rulings) == 1 and len(refusals) == 1, results
    assert (refusals[0].code, refusals[0].field) == ("already_ruled", "dispute")
    [ruling] = Ruling.objects.filter(dispute=dispute)
    assert ruling.pk == rulings[0].pk
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RULED
    lead.refresh_from_db()
    assert lead.quality_verdict == ruling.verdict


def test_a_file_import_confirmed_twice_at_once_creates_its_rows_once(reps, source):
    rule_with_reps(reps)
    importer = member(DepartmentKind.MARKETING)
    # No external IDs: only the import's lock, not a unique key, keeps the rows from being
    # created twice.
    text = "姓名,手机\n" + "".join(f"客户{n},+86137{n:08d}\n" for n in range(60))
    lead_import = lead_import_create(
        source=source, file=SimpleUploadedFile("leads.csv", text.encode()), actor=importer)

    results = run_together(lambda _i: lead_import_confirm(
        lead_import=LeadImport.objects.get(pk=lead_import.pk), actor=importer))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.status for r in results} == {ImportStatus.IMPORTED}
    assert Lead.objects.filter(source=source).count() == 60
    assert not Lead.objects.filter(duplicate_of__isnull=False).exists()
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created_count) == (ImportStatus.IMPORTED, 60)
    assert AuditEvent.objects.filter(verb="lead_import.imported").count() == 1
    # Assigned once each, after the one import committed.
    assert Counter(Assignment.objects.values_list("lead_id", flat=True)) == Counter(
        Lead.objects.values_list("pk", flat=True))
