"""The home page's sections, filled by the apps from their AppConfig.ready() with
`home_section_register`: each app shows each person what it holds for them."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from coordination.core.notifications.selectors import notification_list_for
from coordination.core.org.permissions import is_head, memberships_of
from coordination.core.org.selectors import absences_upcoming, absent_colleagues, quotas_current_for
from coordination.core.registry import Registry


@dataclass(frozen=True)
class HomeSection:
    key: str
    # The partial that draws the section; it reads what `context` returns as `section`.
    template: str
    # What the section shows `user` at `now`, or None when it has nothing to say to them
    # (the section is then left out). Each section reads in a fixed number of queries.
    context: Callable[[object, datetime.datetime], dict | None]
    order: int = 500


HOME_SECTIONS: Registry[HomeSection] = Registry("home sections", key=lambda entry: entry.key)


def home_section_register(section: HomeSection) -> HomeSection:
    return HOME_SECTIONS.register(section)


def home_sections_for(user, now: datetime.datetime) -> list[dict]:
    """The sections `user` sees now, in order: [{"key", "template", "data"}]."""
    sections = []
    for section in HOME_SECTIONS:
        data = section.context(user, now)
        if data is not None:
            sections.append({"key": section.key, "template": section.template, "data": data})
    return sections


# The core's own sections (registered by CoreConfig.ready()) -------------------------------------


def waiting_section(user, now: datetime.datetime) -> dict:
    return {"notifications": list(notification_list_for(user=user).filter(read_at=None)[:5])}


def departments_section(user, now: datetime.datetime) -> dict:
    return {"memberships": memberships_of(user)}


def quotas_section(user, now: datetime.datetime) -> dict:
    return {"quotas": quotas_current_for(user=user, on=timezone.localdate(now))}


def absences_section(user, now: datetime.datetime) -> dict:
    return {"absences": absences_upcoming(user=user, now=now)}


def absent_colleagues_section(user, now: datetime.datetime) -> dict | None:
    """Heads always see it (an empty list says everyone is in); others only when someone of
    their departments is away."""
    absences = absent_colleagues(user=user, at=now)
    if not absences and not is_head(user):
        return None
    return {"absences": absences}
