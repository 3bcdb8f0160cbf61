"""Forms of the leads pages, one module per topic. They check the shape of the input; the
services decide the rest."""

from leads.forms.follow_ups import FollowUpForm, FollowUpSearchForm
from leads.forms.imports import ImportUploadForm
from leads.forms.inspection import InspectionForm
from leads.forms.lead import (
    AllLeadsFilterForm,
    LoseForm,
    MyLeadsFilterForm,
    ReassignForm,
    WinForm,
)
from leads.forms.quality import (
    CorrectionForm,
    DisputeForm,
    MultipleFileField,
    RulingForm,
    follow_up_label,
    validate_evidence_file,
)
from leads.forms.widgets import (
    DATETIME_LOCAL_FORMAT,
    DateInput,
    DateTimeLocalInput,
    MultipleFileInput,
    start_of_day,
)

__all__ = [
    "DATETIME_LOCAL_FORMAT",
    "AllLeadsFilterForm",
    "CorrectionForm",
    "DateInput",
    "DateTimeLocalInput",
    "DisputeForm",
    "FollowUpForm",
    "FollowUpSearchForm",
    "ImportUploadForm",
    "InspectionForm",
    "LoseForm",
    "MultipleFileField",
    "MultipleFileInput",
    "MyLeadsFilterForm",
    "ReassignForm",
    "RulingForm",
    "WinForm",
    "follow_up_label",
    "start_of_day",
    "validate_evidence_file",
]
