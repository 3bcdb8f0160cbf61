"""The services behind sources, campaigns and assignment rules: what they refuse, by field."""

import pytest
from django.core.exceptions import ValidationError

from coordination.core.errors import ApplicationError
from leads.models import AssignmentRule
from leads.services import catalog_save, rule_conditions_validate, rule_save
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_a_campaign_cannot_move_to_another_source():
    campaign = CampaignFactory()
    with pytest.raises(ApplicationError) as error:
        catalog_save(instance=campaign, data={"source": SourceFactory()}, actor=None)
    assert error.value.field == "source"


def test_equals_condition_with_a_list_is_refused():
    with pytest.raises(ApplicationError) as error:
        rule_conditions_validate([{"field": "region", "op": "equals", "value": ["上海"]}])
    assert error.value.field == "conditions"
    assert "use “in” for a list" in error.value.message


def test_rule_with_a_zero_next_step_sla_is_refused_by_field():
    with pytest.raises(ValidationError) as error:
        rule_save(rule=AssignmentRule(), data={"name": "r", "next_step_sla_minutes": 0},
                  actor=None)
    assert not AssignmentRule.objects.filter(name="r").exists()
    assert "next-step SLA" in str(error.value)
