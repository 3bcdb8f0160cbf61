"""Models of the leads app, one module per topic; every name is re-exported here, because
callers and migrations refer to `leads.models.X`."""

# isort: off
# In the order the models were first declared (their registration order: content types,
# permissions, dumpdata), which is also the order the modules depend on one another.
from leads.models.catalog import Campaign, Channel, Source
from leads.models.pool import LeadPool
from leads.models.rules import (
    AssignmentRule,
    OnExhausted,
    RulePoolMember,
    RuleRepCounter,
    Strategy,
    default_ladder,
)
from leads.models.lead import (
    DEADLINE_CLOCKS,
    FIRST_CONTACT_CLOCK,
    NEXT_STEP_CLOCK,
    OPEN_STATUSES,
    REASSIGNMENT_REASONS,
    WORKED_STATUSES,
    Assignment,
    AssignmentReason,
    ContactChannel,
    DeadlineClock,
    FollowUp,
    Lead,
    LeadSettings,
    LeadStatus,
    LostReason,
    Outcome,
)
from leads.models.imports import ImportStatus, LeadImport
from leads.models.quality import (
    Dispute,
    DisputeAttachment,
    DisputeCap,
    DisputeGround,
    DisputeSide,
    DisputeStatus,
    QualitySettings,
    Ruling,
    RulingIsFinal,
    RulingQuerySet,
    Verdict,
)
from leads.models.inspection import (
    AnswerType,
    Criterion,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Scorecard,
)
# isort: on

__all__ = [
    # catalog
    "Campaign", "Channel", "Source",
    # pool
    "LeadPool",
    # rules
    "AssignmentRule", "OnExhausted", "RulePoolMember", "RuleRepCounter", "Strategy",
    "default_ladder",
    # lead
    "DEADLINE_CLOCKS", "FIRST_CONTACT_CLOCK", "NEXT_STEP_CLOCK", "OPEN_STATUSES",
    "REASSIGNMENT_REASONS", "WORKED_STATUSES", "Assignment", "AssignmentReason",
    "ContactChannel", "DeadlineClock", "FollowUp", "Lead", "LeadSettings", "LeadStatus",
    "LostReason", "Outcome",
    # imports
    "ImportStatus", "LeadImport",
    # quality
    "Dispute", "DisputeAttachment", "DisputeCap", "DisputeGround", "DisputeSide",
    "DisputeStatus", "QualitySettings", "Ruling", "RulingIsFinal", "RulingQuerySet", "Verdict",
    # inspection
    "AnswerType", "Criterion", "Inspection", "InspectionAnswer", "InspectionStatus",
    "Scorecard",
]
