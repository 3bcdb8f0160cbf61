"""Pages of the organisation core: home, notifications, organisation, language, health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from coordination.core.notifications.models import Notification
from coordination.core.notifications.selectors import notification_list_for
from coordination.core.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
)
from coordination.core.org.models import Department, Membership, Role
from coordination.core.org.permissions import is_person
from coordination.core.org.services import user_set_language
from coordination.core.web.health import health_report
from coordination.core.web.home import home_sections_for


@login_required
def home(request):
    """Each app's sections for this person, in the order the apps registered them."""
    sections = home_sections_for(request.user, timezone.now())
    return render(request, "coordination/home.html", {"sections": sections})


@login_required
def notifications(request):
    queryset = notification_list_for(user=request.user)
    show = request.GET.get("show", "all")
    if show == "unread":
        queryset = queryset.filter(read_at=None)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(request, "coordination/notifications.html", {"page": page, "show": show})


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


@login_required
@require_POST
def notification_open(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(notification=notification, user=request.user)
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(notification.url)
    return HttpResponseRedirect(_safe_next(request, "/notifications/"))


@login_required
@require_POST
def notifications_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return HttpResponseRedirect(_safe_next(request, "/notifications/"))


@login_required
def organisation(request):
    departments = (
        Department.objects.filter(is_active=True)
        .annotate(member_count=Count("memberships", filter=Q(memberships__user__is_active=True)))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role__in=[Role.HEAD, Role.EXECUTIVE],
                                                   user__is_active=True)
                .select_related("user").order_by("user__full_name"),
                to_attr="head_memberships",
            ),
            "teams",
        )
        .order_by("kind", "name")
    )
    return render(request, "coordination/organisation.html", {"departments": departments})


@require_POST
def language_switch(request):
    """Switch the page language and, for a signed-in person, remember it for e-mails."""
    language = request.POST.get("language", "")
    if is_person(request.user) and language in {code for code, _name in settings.LANGUAGES}:
        user_set_language(user=request.user, language=language)
    # Django's view sets the cookie and redirects; it ignores an unknown code.
    return set_language(request)


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
