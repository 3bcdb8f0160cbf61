"""The demo leads: every leads page has something to show, the data is consistent with the
services' rules, and the seed is safe to run again."""

import io

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from coordination.notifications.models import Notification
from coordination.org.models import User
from leads.management.commands.seed_demo_leads import SOURCE_NAMES
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRule,
    Campaign,
    FollowUp,
    Lead,
    LeadPool,
    LeadSettings,
    LeadStatus,
    LostReason,
    Source,
    Strategy,
)
from leads.selectors import my_leads
from leads.services import rule_conditions_validate, rule_matches


def seed_leads() -> str:
    out = io.StringIO()
    call_command("seed_demo_leads", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())
    return seed_leads()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Source, Campaign, LostReason, LeadPool, AssignmentRule, Lead,
                          Assignment, FollowUp, Notification)}


@pytest.mark.django_db
def test_demo_leads_cover_every_source_and_state(seeded):
    now = timezone.now()
    assert "Demo leads created" in seeded
    leads = Lead.objects.all()
    assert 70 <= leads.count() <= 90
    for name in SOURCE_NAMES:
        assert leads.filter(source__name=name).exists(), name
    assert Campaign.objects.filter(name="双十一推广", spend=80000, currency="CNY").exists()
    # Every lead is someone's, waits in a pool or is closed: none is stuck unassigned.
    assert not leads.filter(owner__isnull=True, pool__isnull=True,
                            status__in=OPEN_STATUSES).exists()
    assert not leads.filter(owner__isnull=False, pool__isnull=False).exists()
    for status in (LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
                   LeadStatus.WON, LeadStatus.LOST):
        assert leads.filter(status=status).exists(), status
    assert not leads.filter(status=LeadStatus.WON, won_value__isnull=True).exists()
    assert not leads.filter(status=LeadStatus.LOST).filter(
        Q(lost_reason__isnull=True) | Q(lost_reason__recycle=True)).exists()
    # Recycled leads wait in the pools, the east team's and the company's.
    pooled = leads.filter(pool__isnull=False)
    assert pooled.count() >= 3
    assert not pooled.filter(pooled_at__isnull=True).exists()
    assert LeadSettings.objects.get().default_pool.name == "公司公海"
    # Duplicates are linked to an earlier lead with the same phone, and go to its owner.
    duplicates = leads.filter(duplicate_of__isnull=False).select_related("duplicate_of")
    assert 2 <= duplicates.count() <= 3
    for duplicate in duplicates:
        assert duplicate.phone == duplicate.duplicate_of.phone
        assert duplicate.created_at > duplicate.duplicate_of.created_at
    for lead in leads:
        assert lead.phone.startswith("+861") and len(lead.phone) == 14, lead.phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(lead.phone)), lead.phone
        assert lead.external_id.startswith("demo-")
        assert lead.created_at <= now
    # "My leads" of the showcase logins has open leads and red rows.
    for username in ("yanglei", "wangfang"):
        user = User.objects.get(username=username)
        mine = my_leads(user=user)
        assert mine.count() >= 4, username
        assert mine.filter(deadline__lte=now).count() >= 2, username
        # Red rows: overdue for first contact.
        assert mine.filter(status=LeadStatus.ASSIGNED, first_contacted_at__isnull=True,
                           first_contact_due_at__lte=now).exists(), username
    # Some leads are due soon rather than overdue.
    assert Lead.objects.filter(status=LeadStatus.ASSIGNED, first_contact_due_at__gt=now).exists()


@pytest.mark.django_db
def test_rules_follow_ups_and_histories_are_consistent(seeded):
    now = timezone.now()
    follow_ups = FollowUp.objects.select_related("lead")
    assert follow_ups.count() >= 30
    assert follow_ups.filter(notes__contains="客户").exists()
    for follow_up in follow_ups:
        lead = follow_up.lead
        # Written by the owner of the time, after the lead was assigned to them.
        assert Assignment.objects.filter(lead=lead, to_user=follow_up.author,
                                         created_at__lte=follow_up.created_at).exists()
        assert lead.created_at <= follow_up.created_at <= now
    worked = Lead.objects.filter(status__in=[LeadStatus.CONTACTED, LeadStatus.QUALIFIED],
                                 owner__isnull=False)
    assert worked.filter(next_step_due_at__gt=now).exists()
    assert worked.filter(next_step_due_at__lte=now).exists()
    assert not Assignment.objects.filter(created_at__gt=now).exists()
    # The rules, written through rule_save, and every lead assigned by one that matches it.
    rules = {rule.name: rule for rule in AssignmentRule.objects.all()}
    assert set(rules) == {"华东地区", "华南地区", "华北地区", "其他地区"}
    for rule in rules.values():
        rule_conditions_validate(rule.conditions)
    east = rules["华东地区"]
    assert east.strategy == Strategy.ROUND_ROBIN and east.first_contact_sla_minutes == 30
    assert east.recycle_pool.team.name == "华东组" and east.recycle_after_idle_days == 14
    assert {m.user.username: m.weight for m in rules["华南地区"].members.all()}["huangyong"] > 1
    assert rules["华北地区"].daily_cap == 20
    assert max(rules.values(), key=lambda rule: rule.priority).name == "其他地区"
    for lead in Lead.objects.filter(rule__isnull=False).select_related("rule", "source"):
        assert rule_matches(lead.rule, lead), lead


@pytest.mark.django_db
def test_second_run_changes_nothing(seeded):
    before = row_counts()
    output = seed_leads()
    assert "already seeded" in output
    assert row_counts() == before


@pytest.mark.django_db
def test_without_the_demo_organisation_it_says_to_run_seed_demo():
    with pytest.raises(CommandError, match="seed_demo"):
        seed_leads()
    assert not Lead.objects.exists()
    assert not Source.objects.exists()
