"""Admin registrations live beside their models; importing them here registers them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coordination.core.apikeys import admin as apikeys_admin  # noqa: F401
from coordination.core.audit import admin as audit_admin  # noqa: F401
from coordination.core.notifications import admin as notifications_admin  # noqa: F401
from coordination.core.org import admin as org_admin  # noqa: F401
from coordination.core.webhooks import admin as webhooks_admin  # noqa: F401

admin.site.site_header = _("Tandem administration")
admin.site.site_title = _("Tandem")
admin.site.index_title = _("Rules and organisation")
