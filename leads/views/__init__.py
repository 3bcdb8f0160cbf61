"""Pages of the leads app, one module per topic: lead.py (the lead lists, the lead page and its
actions), team.py, pool.py, follow_ups.py (search and exports), imports.py (file import),
quality.py (disputes and rulings), inspection.py (inspection of follow-ups and its results).

Helpers that are not about leads (clocks, query strings, `next`, the bridge from a service's
refusal to the page) are the core's: coordination/core/web/pages.py.
"""

from leads.views.follow_ups import (
    follow_ups_export_csv,
    follow_ups_export_xlsx,
    follow_ups_page,
)
from leads.views.imports import (
    import_cancel,
    import_confirm,
    import_detail,
    import_problems_download,
    import_template_download,
    import_upload,
)
from leads.views.inspection import (
    inspection_page,
    inspection_queue,
    inspection_score_view,
    quality_results,
)
from leads.views.lead import (
    all_leads_page,
    dispute_open_view,
    follow_up_log,
    lead_claim_view,
    lead_detail,
    lead_lose_view,
    lead_qualify_view,
    lead_reassign,
    lead_win_view,
    my_leads_page,
)
from leads.views.pool import pool_page
from leads.views.quality import (
    dispute_file,
    dispute_page,
    dispute_queue,
    dispute_rule_view,
    ruling_correct_view,
)
from leads.views.team import team_page

__all__ = [
    "all_leads_page",
    "dispute_file",
    "dispute_open_view",
    "dispute_page",
    "dispute_queue",
    "dispute_rule_view",
    "follow_up_log",
    "follow_ups_export_csv",
    "follow_ups_export_xlsx",
    "follow_ups_page",
    "import_cancel",
    "import_confirm",
    "import_detail",
    "import_problems_download",
    "import_template_download",
    "import_upload",
    "inspection_page",
    "inspection_queue",
    "inspection_score_view",
    "lead_claim_view",
    "lead_detail",
    "lead_lose_view",
    "lead_qualify_view",
    "lead_reassign",
    "lead_win_view",
    "my_leads_page",
    "pool_page",
    "quality_results",
    "ruling_correct_view",
    "team_page",
]
