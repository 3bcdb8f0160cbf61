"""A page's form POST honours the key like the API: the follow-up form of a lead."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coordination.core.org.models import DepartmentKind
from leads.models import FollowUp, LeadStatus
from tests.factories import LeadFactory, member

pytestmark = pytest.mark.django_db


def test_a_follow_up_form_sent_twice_with_one_key_logs_one_follow_up():
    rep = member(DepartmentKind.SALES)
    now = timezone.now()
    lead = LeadFactory(owner=rep, status=LeadStatus.ASSIGNED, assigned_at=now,
                       first_contact_due_at=now + datetime.timedelta(minutes=30))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rep)
    browser.get(reverse("leads:detail", args=[lead.pk]))
    token = browser.cookies["csrftoken"].value
    in_two_days = timezone.localtime() + datetime.timedelta(days=2)
    form = {"csrfmiddlewaretoken": token, "channel": "call", "outcome": "reached",
            "notes": "客户要报价，预算已经批了", "next_step": "发报价",
            "next_step_at": in_two_days.strftime("%Y-%m-%dT10:00")}
    url = reverse("leads:follow_up", args=[lead.pk])

    first = browser.post(url, form, HTTP_IDEMPOTENCY_KEY="follow-up-1")
    second = browser.post(url, form, HTTP_IDEMPOTENCY_KEY="follow-up-1")
    without_key = browser.post(url, form)

    assert first.status_code == second.status_code
    assert first.status_code < 400
    assert second["Idempotent-Replayed"] == "true"
    assert second.get("Location") == first.get("Location")
    assert not without_key.has_header("Idempotent-Replayed")
    assert FollowUp.objects.filter(lead=lead).count() == 2
