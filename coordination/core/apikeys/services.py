"""API keys for integrations: created with scopes, stored hashed, shown once, revocable."""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.apikeys.models import ApiKey
from coordination.core.apikeys.scopes import is_known_scope
from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError

KEY_PREFIX = "tdm"
# Writing last_used_at on every request would make each API call a write; once a minute is
# precise enough to tell a live integration from a dead one.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def _hash(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is safe: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str], actor=None,
                   expires_at: datetime.datetime | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret text, which is not stored and never shown
    again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the key a name."), code="required", field="name")
    if not scopes:
        raise ApplicationError(_("Choose at least one scope."), code="required", field="scopes")
    unknown = sorted(scope for scope in scopes if not is_known_scope(scope))
    if unknown:
        raise ApplicationError(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)},
            code="unknown_scope", field="scopes",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry must be in the future."), code="expired",
                               field="expires_at")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    raw = f"{KEY_PREFIX}_{prefix}_{secret}"
    api_key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=_hash(raw), scopes=sorted(set(scopes)),
        created_by=actor if getattr(actor, "pk", None) else None, expires_at=expires_at,
    )
    audit_record(actor=actor, verb="api_key.created", obj=api_key,
                 after=audit_snapshot(api_key, ["name", "prefix", "scopes", "expires_at"]))
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor=None) -> ApiKey:
    """Revoke a key at once. Revoking twice is harmless."""
    now = timezone.now()
    if ApiKey.objects.filter(pk=api_key.pk, revoked_at=None).update(revoked_at=now):
        api_key.revoked_at = now
        audit_record(actor=actor, verb="api_key.revoked", obj=api_key,
                     after={"revoked_at": now.isoformat()})
    else:
        api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, raw: str) -> ApiKey | None:
    """The usable key whose text is `raw`, or None. Records when it was last used."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    api_key = ApiKey.objects.filter(prefix=parts[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(raw.strip())):
        return None
    now = timezone.now()
    if not api_key.is_usable(now):
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
