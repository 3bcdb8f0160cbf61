"""Intake: validation, phone normalisation, idempotency on (source, external_id), bulk,
duplicates."""

import datetime

import pytest

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError
from leads.models import Assignment, Lead, LeadStatus
from leads.services import BULK_LIMIT, lead_bulk_create, lead_create, phone_normalize
from tests.factories import CampaignFactory, LeadFactory, SourceFactory, rule_with_reps

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000",
                                 "008613800138000"])
def test_chinese_mobile_numbers_are_normalised(raw):
    assert phone_normalize(raw) == "+8613800138000"


def test_foreign_numbers_keep_their_country():
    assert phone_normalize("+1 415 555 2671") == "+14155552671"


@pytest.mark.parametrize("raw", ["12345", "not a phone", "1380013800099999"])
def test_invalid_phone_is_refused_naming_the_field(raw):
    with pytest.raises(ApplicationError) as error:
        phone_normalize(raw)
    assert error.value.field == "phone"


def test_a_lead_needs_a_name_and_a_contact(source):
    with pytest.raises(ApplicationError) as error:
        lead_create(source=source, data={"phone": "13800138000"})
    assert error.value.field == "name"
    with pytest.raises(ApplicationError) as error:
        lead_create(source=source, data={"name": "张三"})
    assert error.value.code == "no_contact"
    assert not Lead.objects.exists()


def test_campaign_must_belong_to_the_source(source):
    other = CampaignFactory()
    with pytest.raises(ApplicationError) as error:
        lead_create(source=source, data={"name": "张三", "phone": "13800138000",
                                         "campaign": other.pk})
    assert error.value.field == "campaign"


def test_same_external_id_returns_the_existing_lead_without_a_second_assignment(
        reps, source, django_capture_on_commit_callbacks):
    rule_with_reps(reps)
    data = {"name": "张三", "phone": "13800138000", "external_id": "crm-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = lead_create(source=source, data=data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = lead_create(source=source, data=data)
    assert first.created and not again.created
    assert again.lead.pk == first.lead.pk
    assert callbacks == []
    assert Lead.objects.count() == 1
    assert Assignment.objects.count() == 1


def test_the_same_external_id_from_another_source_is_another_lead(source):
    data = {"name": "张三", "phone": "13800138000", "external_id": "1"}
    lead_create(source=source, data=data)
    lead_create(source=SourceFactory(), data=data)
    assert Lead.objects.count() == 2


def test_duplicate_by_phone_or_email_is_linked_not_dropped(source):
    original = lead_create(source=source, data={"name": "李四", "phone": "13600001111",
                                                "email": "li@example.com"}).lead
    by_phone = lead_create(source=source, data={"name": "李四", "phone": "+86 136 0000 1111"}).lead
    by_email = lead_create(source=SourceFactory(), data={"name": "Li",
                                                         "email": "LI@example.com"}).lead
    assert by_phone.duplicate_of == original
    assert by_email.duplicate_of == original
    assert Lead.objects.count() == 3


def test_no_duplicate_outside_the_window_or_of_a_closed_lead(source):
    old = LeadFactory(source=source, phone="+8613600002222")
    Lead.objects.filter(pk=old.pk).update(created_at=old.created_at - datetime.timedelta(days=365))
    LeadFactory(source=source, phone="+8613600003333", status=LeadStatus.LOST)
    assert lead_create(source=source, data={"name": "a", "phone": "13600002222"}
                       ).lead.duplicate_of is None
    assert lead_create(source=source, data={"name": "b", "phone": "13600003333"}
                       ).lead.duplicate_of is None


def test_a_duplicate_of_a_duplicate_links_to_the_original(source):
    original = lead_create(source=source, data={"name": "a", "phone": "13922220000"}).lead
    copy = lead_create(source=source, data={"name": "b", "phone": "13922220000"}).lead
    Lead.objects.filter(pk=original.pk).update(status=LeadStatus.WON)
    third = lead_create(source=source, data={"name": "c", "phone": "13922220000"}).lead
    assert copy.duplicate_of == original
    assert third.duplicate_of == original


def test_bulk_links_records_sharing_a_phone_within_one_request(source):
    result = lead_bulk_create(source=source, records=[
        {"name": "甲", "phone": "13911110000"}, {"name": "甲(重复)", "phone": "139 1111 0000"},
        {"name": "乙", "email": "yi@example.com"}, {"name": "乙2", "email": "YI@example.com"},
    ])
    first, second, third, fourth = result.created
    second.refresh_from_db()
    fourth.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    assert fourth.duplicate_of_id == third.pk


def test_bulk_reports_created_existing_and_failed(reps, source,
                                                  django_capture_on_commit_callbacks):
    rule_with_reps(reps)
    with django_capture_on_commit_callbacks(execute=True):
        lead_create(source=source, data={"name": "老客户", "phone": "13500000000",
                                         "external_id": "x-0"})
    records = [
        {"name": "甲", "phone": "13500000001", "external_id": "x-1"},
        {"name": "老客户", "phone": "13500000000", "external_id": "x-0"},
        {"name": "乙", "phone": "12", "external_id": "x-2"},
        {"phone": "13500000003", "external_id": "x-3"},
        {"name": "丙", "email": "bing@example.com", "external_id": "x-1"},
        {"name": "丁", "wechat_id": "ding_wx"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = lead_bulk_create(source=source, records=records)
    assert result.created_indexes == [0, 5]
    assert [index for index, _lead in result.existing] == [1]
    failed = {item["index"]: item["errors"][0] for item in result.failed}
    assert failed[2]["field"] == "phone"
    assert failed[3]["field"] == "name"
    assert failed[4]["code"] == "repeated_in_request"
    assert Lead.objects.count() == 3
    assert Lead.objects.filter(owner__isnull=False).count() == 3
    assert AuditEvent.objects.filter(verb="lead.created").count() == 3


def test_bulk_sent_twice_creates_nothing_the_second_time(source):
    records = [{"name": f"客户{i}", "phone": f"1390000{i:04d}", "external_id": f"e{i}"}
               for i in range(50)]
    lead_bulk_create(source=source, records=records)
    again = lead_bulk_create(source=source, records=records)
    assert again.created == []
    assert len(again.existing) == 50
    assert Lead.objects.count() == 50


def test_bulk_over_the_limit_is_refused_whole(source):
    records = [{"name": "x", "phone": "13900000000"}] * (BULK_LIMIT + 1)
    with pytest.raises(ApplicationError) as error:
        lead_bulk_create(source=source, records=records)
    assert error.value.field == "leads"
    assert not Lead.objects.exists()


def test_inactive_source_is_refused(source):
    source.is_active = False
    source.save()
    with pytest.raises(ApplicationError) as error:
        lead_create(source=source, data={"name": "x", "phone": "13900000000"})
    assert error.value.field == "source"


def test_contact_corrections_follow_intake_rules_and_are_audited(source):
    from coordination.core.audit.models import AuditEvent
    from leads.services.intake import lead_update_contact

    lead = lead_create(source=source, data={"name": "张三", "phone": "13800138000",
                                            "external_id": "x"}).lead
    lead_update_contact(lead=lead, data={"phone": "139 1234 5678", "external_id": "y"})
    lead.refresh_from_db()
    assert lead.phone == "+8613912345678"
    assert lead.external_id == "x"  # not changed here
    assert AuditEvent.objects.filter(verb="lead.contact_changed").exists()
    with pytest.raises(ApplicationError) as error:
        lead_update_contact(lead=lead, data={"phone": "12"})
    assert error.value.field == "phone"
    assert Lead.objects.get(pk=lead.pk).phone == "+8613912345678"
