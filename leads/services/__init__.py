"""Services of the leads app, by topic."""

from leads.services.assignment import (
    lead_assign,
    lead_assign_auto,
    rep_pick,
    rule_conditions_validate,
    rule_matches,
)
from leads.services.evidence import (
    dispute_attachment_add,
    evidence_file_validate,
)
from leads.services.imports import (
    ImportPreview,
    ImportResult,
    import_commit,
    import_preview,
    lead_import_cancel,
    lead_import_confirm,
    lead_import_create,
    lead_imports_expire,
)
from leads.services.inspection import (
    follow_up_flag_not_genuine,
    inspection_agreement,
    inspection_score,
    inspections_draw,
    scorecard_save,
    scorecard_score,
    scorecard_validate,
)
from leads.services.intake import (
    BULK_LIMIT,
    BulkResult,
    IntakeResult,
    lead_bulk_create,
    lead_clean,
    lead_create,
    phone_normalize,
)
from leads.services.ladder import ladder_validate
from leads.services.pool import lead_claim, lead_recycle, pool_for
from leads.services.quality import (
    claim_of,
    dispute_open,
    dispute_rule,
    disputes_escalate_overdue,
    leads_sample_for_adjudication,
    quality_settings,
    ruling_correct,
)
from leads.services.rules import catalog_save, catalog_validate, rule_save, rule_validate
from leads.services.sweep import (
    SweepReport,
    leads_assign_unassigned,
    leads_recycle_idle,
    leads_sweep_first_contact,
    leads_sweep_next_step,
)
from leads.services.work import (
    follow_up_create,
    lead_lose,
    lead_qualify,
    lead_reassign_manual,
    lead_win,
)

__all__ = [
    "claim_of", "dispute_open", "dispute_rule", "disputes_escalate_overdue",
    "follow_up_flag_not_genuine", "inspection_agreement", "inspection_score",
    "inspections_draw", "leads_sample_for_adjudication", "quality_settings", "ruling_correct",
    "scorecard_save", "scorecard_score", "scorecard_validate",
    "dispute_attachment_add", "evidence_file_validate",
    "BULK_LIMIT", "BulkResult", "ImportPreview", "ImportResult", "IntakeResult", "SweepReport",
    "catalog_save", "import_commit", "import_preview", "lead_import_cancel",
    "lead_import_confirm", "lead_import_create", "lead_imports_expire",
    "catalog_validate", "follow_up_create", "rule_save", "rule_validate",
    "ladder_validate", "lead_assign", "lead_assign_auto", "lead_bulk_create", "lead_claim",
    "lead_clean", "lead_create", "lead_lose", "lead_qualify", "lead_reassign_manual",
    "lead_recycle", "lead_win", "leads_assign_unassigned", "leads_recycle_idle",
    "leads_sweep_first_contact", "leads_sweep_next_step", "phone_normalize", "pool_for",
    "rep_pick", "rule_conditions_validate", "rule_matches",
]
