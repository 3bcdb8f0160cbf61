"""Reading leads, one module per topic: visibility, list shapes, eligibility for assignment, the
team view, the pool, follow-ups, disputes and inspections. Every name is re-exported here."""

from leads.selectors.assignment import (
    eligible_reps,
    head_ids_of,
    previous_owner_ids,
    reassigned_lead_filter,
    reassignment_filter,
    rule_pool_user_ids,
    sales_head_ids,
    sales_members,
)
from leads.selectors.follow_ups import follow_up_list_for, follow_up_search
from leads.selectors.imports import lead_import_list_for, lead_imports_recent
from leads.selectors.inspection import (
    counted_inspection_filter,
    inspection_list_for,
    quality_results_of_rep,
    quality_results_of_team,
)
from leads.selectors.lead import (
    ALL_LEADS_ORDERINGS,
    deadline_expression,
    default_queue_for,
    lead_duplicates_for,
    lead_list_filtered,
    lead_list_for,
    lead_settings,
    lead_text_filter,
    lead_timeline,
    my_leads,
    my_leads_filtered,
    overdue_filter,
)
from leads.selectors.pool import (
    claim_standing,
    lead_was_pooled,
    pool_leads_for,
    pools_claimable_by,
)
from leads.selectors.quality import dispute_list_for, ruling_in_force_of, ruling_in_force_value
from leads.selectors.team import team_board

__all__ = [
    # imports
    "lead_import_list_for", "lead_imports_recent",
    # assignment
    "eligible_reps", "head_ids_of", "previous_owner_ids", "reassigned_lead_filter",
    "reassignment_filter", "rule_pool_user_ids", "sales_head_ids", "sales_members",
    # follow_ups
    "follow_up_list_for", "follow_up_search",
    # inspection
    "counted_inspection_filter", "inspection_list_for", "quality_results_of_rep",
    "quality_results_of_team",
    # lead
    "ALL_LEADS_ORDERINGS", "deadline_expression", "default_queue_for", "lead_duplicates_for",
    "lead_list_filtered", "lead_list_for", "lead_settings", "lead_text_filter", "lead_timeline",
    "my_leads", "my_leads_filtered", "overdue_filter",
    # pool
    "claim_standing", "lead_was_pooled", "pool_leads_for", "pools_claimable_by",
    # quality
    "dispute_list_for", "ruling_in_force_of", "ruling_in_force_value",
    # team
    "team_board",
]
