"""Blind review, decided once (`is_blind_reader`): the dispute reader (`DisputeReadRule`, which
the pages, the API, its filters and the admin ask through `dispute_read_rule`) and the metrics'
dispute figures agree for every reader, with blind review on and off."""

import pytest
from django.test import RequestFactory

from coordination.metrics.permissions import can_view_dispute_figures
from leads import filters
from leads.admin import quality as quality_admin
from leads.permissions import DisputeReadRule, dispute_read_rule, is_blind_reader
from tests.leads.disputes import blind_review, quality_cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("on", [True, False])
def test_every_reader_decides_blind_review_alike(on):
    blind_review(on)
    people = quality_cast()
    blind = set()
    for name, user in people.items():
        request = RequestFactory().get("/")
        request.user = user
        decided = {
            "rule": DisputeReadRule(user).blind,
            "request's rule": dispute_read_rule(request).blind,
            "admin": quality_admin._blind(request),
            "metrics": not can_view_dispute_figures(user),
        }
        assert set(decided.values()) == {is_blind_reader(user)}, (name, decided)
        if is_blind_reader(user):
            blind.add(name)
    assert blind == ({"judge", "quality_head"} if on else set())


def test_one_rule_per_request_for_the_api_filters_and_the_admin():
    request = RequestFactory().get("/")
    request.user = quality_cast()["judge"]
    rule = dispute_read_rule(request)
    assert dispute_read_rule(request) is rule
    # The leads filters read the same helper, not a copy of it.
    assert filters.dispute_read_rule is dispute_read_rule
