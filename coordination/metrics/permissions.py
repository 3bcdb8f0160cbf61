"""Who may read the shared figures: the scoreboard page and the metrics API."""

from coordination.core.org import permissions as org
from coordination.core.org.models import DepartmentKind
from leads.permissions import is_blind_reader

METRICS_READ_SCOPE = "metrics:read"

# Marketing and sales carry the figures together; the quality department rules on what counts
# as a valid lead and sees how its rulings land. Departments downstream of the sale (delivery,
# after-sales) and the functional ones have their own dashboards.
SCOREBOARD_KINDS = (DepartmentKind.SALES, DepartmentKind.MARKETING, DepartmentKind.QUALITY)


def can_view_scoreboard(user) -> bool:
    """Members of sales, marketing and quality, executives and admins, all alike: both sides
    see the same page. Integrations need the metrics:read scope."""
    if org.is_integration(user):
        return user.has_scope(METRICS_READ_SCOPE)
    if not org.is_person(user):
        return False
    return (org.is_superuser(user) or org.is_executive(user)
            or org.is_member_of_kind(user, *SCOREBOARD_KINDS))


def can_view_dispute_figures(user) -> bool:
    """The dispute figures (opened, ruled, lost, per side and per person) are part of the
    funnel for everybody who reads it, except a reader of the quality department under blind
    review: they would tell who opened the disputes it judges, or their side."""
    return not is_blind_reader(user)
