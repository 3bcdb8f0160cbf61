"""Outbound webhooks: subscriptions, the dispatch of outbox events to them, and signed
delivery with retries.

Deadlines live in the database: a delivery's `next_attempt_at` says when it is (re)sent, and a
periodic sweep (webhook_deliveries_due_task, every minute) queues what is due, so a retry
survives a restarted worker and no task waits in the broker with a long countdown. Delivery is
at least once: a receiver that must not act twice keys on the `X-Tandem-Delivery` header.

Webhooks go to servers on the internet only (webhook_target_check): a URL whose host is, or
resolves to, a loopback, private, link-local or otherwise internal address is refused when it is
subscribed and again at every attempt, which connects to the very addresses it checked.
"""

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import secrets
import socket
import ssl
import time
import urllib.parse

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.apikeys.models import ApiKey
from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError
from coordination.core.events.models import Event
from coordination.core.events.registry import EVENT_TYPES, event_type_register
from coordination.core.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from coordination.core.webhooks.tasks import webhook_deliver_task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# After the n-th failed attempt the next one waits BACKOFF_BASE x 2^(n-1), at most BACKOFF_MAX:
# 1, 2, 4, … 64 minutes, so the eighth and last attempt comes about two hours after the first.
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=6)
TIMEOUT_SECONDS = 10
MAX_CONNECT_ADDRESSES = 3
# A claimed delivery is not claimed again before this lease runs out: far longer than an
# attempt can take (the timeout), so two workers never send it side by side, yet a worker that
# died while sending is retried by the sweep a few minutes later.
CLAIM_LEASE = datetime.timedelta(minutes=5)
# Events are handed over right after their commit; the sweep takes only those that a crash
# between commit and hand-over left behind, not those whose hand-over is under way.
DISPATCH_GRACE = datetime.timedelta(minutes=1)
SWEEP_BATCH = 500
SECRET_PREFIX = "whsec_"
USER_AGENT = "Tandem-Webhooks/1.0"


# The events a subscription may listen to: the event types the apps register with the outbox ----


def webhook_event_register(name: str, description, *, scope: str | None) -> None:
    """Offer the event `name` (as passed to event_emit) to webhook subscriptions: the outbox's
    event type (coordination.core.events.registry.event_type_register).

    `scope` is the API-key scope that reads what the event carries (e.g. "quality:read" for
    disputes): a subscription made with an API key gets the event only while its key holds
    that scope. None says the event carries nothing beyond `webhooks:manage`.
    """
    event_type_register(name, description, scope=scope)


def webhook_event_choices() -> list[tuple[str, object]]:
    return sorted((event.name, event.description) for event in EVENT_TYPES)


def webhook_event_scope(name: str) -> str | None:
    """The API-key scope the event `name` requires (None: none beyond webhooks:manage)."""
    event = EVENT_TYPES.get(name)
    return event.scope if event else None


def webhook_key_may_receive(*, api_key: ApiKey | None, event_name: str,
                            now: datetime.datetime | None = None) -> bool:
    """Whether a subscription owned by `api_key` may be sent the event `event_name` now.

    A subscription made by a person (an admin: `api_key` is None) gets every event it chose.
    One made with a key gets an event only while the key is usable (not revoked, not expired)
    and holds the event's scope; an event no longer registered goes to no key.
    """
    if api_key is None:
        return True
    if not api_key.is_usable(now) or event_name not in EVENT_TYPES:
        return False
    scope = webhook_event_scope(event_name)
    return scope is None or scope in api_key.scopes


# Targets: where a webhook may be sent ------------------------------------------------------------

# A host whose last label is a number is an IPv4 address, in any form the C library's inet_aton
# reads (2130706433, 0x7f.1, 0177.0.0.1, 127.1 are all 127.0.0.1), as the WHATWG URL standard
# says; no such host is looked up by name.
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)
# Where a webhook connects: (address family, socket address) pairs, as getaddrinfo gives them.
Targets = list[tuple[socket.AddressFamily, tuple]]


def _ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `host` writes as numbers, or None when it is a name. Raises ValueError
    when it ends in a number yet is no address (999.0.0.1, 1.2.3.4.5, 08.0.0.1)."""
    labels = host.split(".")
    if not _NUMBER.fullmatch(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMBER.fullmatch(label) for label in labels):
        raise ValueError(host)
    numbers = [int(label[2:] or "0", 16) if label[:2].lower() == "0x"
               else int(label, 8) if len(label) > 1 and label[0] == "0"
               else int(label) for label in labels]
    *leading, last = numbers
    # Each leading number is one byte; the last fills the bytes that remain.
    if any(number > 255 for number in leading) or last >= 256 ** (4 - len(leading)):
        raise ValueError(host)
    value = last
    for index, number in enumerate(leading):
        value += number << 8 * (3 - index)
    return ipaddress.IPv4Address(value)


def _unwrap(ip: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it reaches."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `ip` is an address on the internet at large: not loopback, private, link-local,
    shared (100.64/10), documentation, multicast, reserved or unspecified."""
    ip = _unwrap(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        # 6to4 carries an IPv4 address, which must be public too.
        if ip.sixtofour is not None and not _is_public(ip.sixtofour):
            return False
        if ip.is_site_local:
            return False
    # is_global alone lets multicast and some reserved ranges (::/8) through on Python 3.11.
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_loopback or ip.is_link_local or ip.is_private)


def _allowed_internal_hosts() -> tuple[set[str], set]:
    """WEBHOOK_ALLOWED_INTERNAL_HOSTS as (host names, addresses)."""
    names, addresses = set(), set()
    for entry in settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS:
        entry = entry.strip().strip("[]").lower().removesuffix(".")
        try:
            addresses.add(_unwrap(ipaddress.ip_address(entry)))
        except ValueError:
            if entry:
                names.add(entry)
    return names, addresses


def _invalid_url() -> ApplicationError:
    return ApplicationError(_("Give an http or https URL."), code="invalid", field="url")


def _split_url(url: str) -> tuple[urllib.parse.SplitResult, str, int]:
    """A webhook URL's parts, its host as it is looked up and sent (Host header, TLS server
    name: lower case, IDNA-encoded, without brackets or a trailing dot) and its port. Raises
    ApplicationError when the URL is no http(s) URL with a host."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = (parts.hostname or "").removesuffix(".")
        if ":" not in host:
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise _invalid_url() from None
    if parts.scheme not in ("http", "https") or not host:
        raise _invalid_url()
    return parts, host, port


def _internal(host: str, addresses: list[str]) -> ApplicationError:
    # The message names the host as the URL gives it, not the addresses a name resolved to: an
    # integration learns nothing of the internal network from it. They are logged at delivery.
    return ApplicationError(
        _("Webhooks cannot be sent to internal addresses (%(host)s): give the address of a "
          "server on the internet, or ask an admin to allow this host.") % {"host": host},
        code="internal_address", field="url", extra={"host": host, "addresses": addresses})


def webhook_target_check(url: str) -> Targets:
    """Where a webhook to `url` may connect: the (family, socket address) of every address
    its host resolves to, each of them on the internet at large (_is_public), unless the host
    name or the address is listed in WEBHOOK_ALLOWED_INTERNAL_HOSTS.

    Checked when a subscription is made or changed, and again before every delivery attempt,
    which connects to exactly the addresses returned: a name re-pointed at an internal address
    after it was subscribed (DNS rebinding) is caught then, and cannot change between the check
    and the connection. Raises ApplicationError on the field `url` when the URL is no http(s)
    URL, when its host does not resolve, or when any address it resolves to is internal.
    """
    _parts, host, port = _split_url(url)
    try:
        literal = ipaddress.IPv6Address(host) if ":" in host else _ipv4_number(host)
    except ValueError:
        raise _invalid_url() from None
    allowed_names, allowed_addresses = _allowed_internal_hosts()

    def allowed(ip) -> bool:
        return _is_public(ip) or _unwrap(ip) in allowed_addresses

    if literal is not None:
        # Named as it is reached (127.0.0.1, not 2130706433 or ::ffff:127.0.0.1), and refused
        # before any lookup.
        host = str(_unwrap(literal))
        if not allowed(literal):
            raise _internal(host, [host])
    elif host not in allowed_names and (host == "localhost" or host.endswith(".localhost")):
        # Loopback by definition (RFC 6761), whatever a resolver says.
        raise _internal(host, [])
    try:
        # An address is read as it is (AI_NUMERICHOST), never looked up.
        found = socket.getaddrinfo(
            host if literal is None else str(literal), port, type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP, flags=0 if literal is None else socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        found = []
    targets = [(family, sockaddr) for family, _type, _proto, _name, sockaddr in found
               if family in (socket.AF_INET, socket.AF_INET6)]
    if not targets:
        raise ApplicationError(
            _("The host “%(host)s” could not be resolved: check the URL, and that the name "
              "is known on the internet.") % {"host": host},
            code="unresolvable", field="url")
    # Every address must be allowed: a connection may go to any of them.
    internal = sorted({sockaddr[0] for _family, sockaddr in targets
                       if not allowed(ipaddress.ip_address(sockaddr[0]))})
    if internal and host not in allowed_names:
        raise _internal(host, internal)
    return targets


# Subscriptions -----------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    webhook_target_check(url)
    return url


def _clean_events(events) -> list[str]:
    names = sorted({str(name).strip() for name in events or []} - {""})
    if not names:
        raise ApplicationError(_("Choose at least one event."), code="required", field="events")
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise ApplicationError(
            _("Unknown events: %(events)s. Known events: %(known)s.") % {
                "events": ", ".join(unknown),
                "known": ", ".join(sorted(EVENT_TYPES.keys())) or "—"},
            code="unknown_event", field="events")
    return names


def _check_scopes(events: list[str], api_key: ApiKey | None) -> None:
    """Refuse events whose scope the subscribing key lacks: a subscription must not deliver
    what the key could not read through the API."""
    if api_key is None:
        return
    missing: dict[str, list[str]] = {}
    for name in events:
        scope = webhook_event_scope(name)
        if scope is not None and scope not in api_key.scopes:
            missing.setdefault(scope, []).append(name)
    if missing:
        raise ApplicationError(
            " ".join(_("This API key lacks the scope “%(scope)s”, which these events need: "
                       "%(events)s.") % {"scope": scope, "events": ", ".join(names)}
                     for scope, names in sorted(missing.items())),
            code="missing_scope", field="events",
            extra={"missing_scopes": sorted(missing)})


def _person_or_none(actor):
    return actor if getattr(actor, "pk", None) is not None else None


def _api_key_of(actor) -> ApiKey | None:
    """The key an integration acts with (an API-key principal), or None for a person or the
    system."""
    api_key = getattr(actor, "api_key", None)
    return api_key if isinstance(api_key, ApiKey) else None


@transaction.atomic
def webhook_subscription_create(*, url: str, events: list[str],
                                actor=None) -> tuple[WebhookSubscription, str]:
    """Subscribe `url` to `events`. Returns the subscription and its signing secret, which the
    caller shows once; it is stored (deliveries are signed with it) but never shown again.

    An integration (an API-key principal) owns what it subscribes, and may subscribe only to
    events whose scope its key holds; a person's subscription has no key."""
    url = _clean_url(url)
    events = _clean_events(events)
    api_key = _api_key_of(actor)
    _check_scopes(events, api_key)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription.objects.create(
        url=url, events=events, secret=secret, created_by=_person_or_none(actor),
        api_key=api_key)
    # Never the secret: the audit trail is read by more people than the admins.
    audit_record(actor=actor, verb="webhook_subscription.created", obj=subscription,
                 after={"url": url, "events": events})
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(*, subscription: WebhookSubscription, actor, url: str,
                                events: list[str]) -> WebhookSubscription:
    """Change where a subscription is delivered and what it listens to. Deliveries already
    created keep going to the new URL. A key's subscription stays within the key's scopes."""
    url = _clean_url(url)
    events = _clean_events(events)
    _check_scopes(events, subscription.api_key)
    before = {"url": subscription.url, "events": subscription.events}
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        url=url, events=events, updated_at=timezone.now())
    subscription.refresh_from_db()
    audit_record(actor=actor, verb="webhook_subscription.updated", obj=subscription,
                 before=before, after={"url": url, "events": events})
    return subscription


@transaction.atomic
def webhook_subscription_deactivate(*, subscription: WebhookSubscription,
                                    actor) -> WebhookSubscription:
    """Stop delivering to a subscription. Its pending deliveries are given up (failed), so
    reactivating it later does not replay old events. Deactivating twice is harmless."""
    if WebhookSubscription.objects.filter(pk=subscription.pk, is_active=True).update(
            is_active=False, updated_at=timezone.now()):
        WebhookDelivery.objects.filter(subscription=subscription,
                                       status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None,
            last_error="The subscription was deactivated.")
        audit_record(actor=actor, verb="webhook_subscription.deactivated", obj=subscription,
                     after={"is_active": False})
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def webhook_subscription_activate(*, subscription: WebhookSubscription,
                                  actor) -> WebhookSubscription:
    """Deliver to a subscription again, from the next event on."""
    if WebhookSubscription.objects.filter(pk=subscription.pk, is_active=False).update(
            is_active=True, updated_at=timezone.now()):
        audit_record(actor=actor, verb="webhook_subscription.activated", obj=subscription,
                     after={"is_active": True})
    subscription.refresh_from_db()
    return subscription


# Dispatch: one delivery per subscription listening to the event ----------------------------------


def webhook_event_dispatch(*, event_id: int, now: datetime.datetime | None = None) -> list[int]:
    """Create a pending delivery of a committed event for each active subscription listening
    to its name (and created before it), and queue them for sending once this commits. A
    subscription made with an API key gets it only while the key is usable and holds the
    event's scope (webhook_key_may_receive).

    Once per event: the compare-and-set on the event's `dispatched_at` lets exactly one caller
    (the after-commit hand-over or the sweep) create its deliveries. Returns their ids.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if not Event.objects.filter(pk=event_id, dispatched_at=None).update(dispatched_at=now):
            return []
        event = Event.objects.only("name", "created_at").get(pk=event_id)
        # Few subscriptions, and a JSON list is not searchable alike on every database: match
        # the names here.
        subscriptions = [
            subscription for subscription in WebhookSubscription.objects.filter(
                is_active=True, created_at__lte=event.created_at)
            .select_related("api_key").only("pk", "events", "api_key")
            if event.name in subscription.events
            and webhook_key_may_receive(api_key=subscription.api_key, event_name=event.name,
                                        now=now)]
        deliveries = WebhookDelivery.objects.bulk_create([
            WebhookDelivery(subscription=subscription, event_id=event_id, next_attempt_at=now)
            for subscription in subscriptions])
        for delivery in deliveries:
            webhook_deliver_task.delay_on_commit(delivery.pk)
    return [delivery.pk for delivery in deliveries]


def webhook_deliveries_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: queue every pending delivery whose next attempt is due, then hand
    over committed events that missed their after-commit dispatch (a process that died between
    commit and hand-over). Returns how many deliveries were queued."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING,
                                              next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    # After the due ones: the deliveries created here are queued by the dispatch itself.
    missed = list(Event.objects.filter(dispatched_at=None,
                                       created_at__lte=now - DISPATCH_GRACE)
                  .order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    queued = len(due)
    for event_id in missed:
        queued += len(webhook_event_dispatch(event_id=event_id, now=now))
    return queued


# Delivery ----------------------------------------------------------------------------------------


def webhook_body(event: Event) -> bytes:
    """The JSON body of a delivery: the same bytes on every attempt."""
    return json.dumps(
        {"id": event.pk, "event": event.name, "created_at": event.created_at.isoformat(),
         "data": event.payload},
        cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    ).encode("utf-8")


def webhook_signature(*, secret: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the subscription's
    secret: the value of the X-Tandem-Signature header."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _connect(targets: Targets, timeout: float) -> socket.socket:
    """A TCP connection to the first of `targets` that answers, as socket.create_connection
    makes one, but to the addresses already checked rather than to a name resolved anew."""
    error = OSError("No address to connect to.")
    # A few addresses at most: a name with dozens of unreachable ones would otherwise hold the
    # worker for their timeouts one after another (a deadline beyond the task's time limit is
    # the task's; the claim lease outlasts both).
    for family, sockaddr in list(targets)[:MAX_CONNECT_ADDRESSES]:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as failed:
            sock.close()
            error = failed
            continue
        return sock
    raise error


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the addresses webhook_target_check returned; the Host header still
    names the URL's host."""

    def __init__(self, host: str, port: int, *, targets: Targets, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.targets = targets

    def connect(self) -> None:
        self.sock = _connect(self.targets, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is verified for the URL's host name, which is also
    the name sent (SNI), whatever address the connection went to."""

    def __init__(self, host: str, port: int, *, targets: Targets, timeout: float) -> None:
        # The system's trusted authorities, with certificate and host name checks.
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.targets = targets

    def connect(self) -> None:
        sock = _connect(self.targets, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except Exception:
            sock.close()
            raise


def _post(*, url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST the body; the response code (None when there was none) and an error text ("" on a
    2xx answer).

    The target is checked (resolved, and refused when internal) right before, and the
    connection goes to the addresses checked. Never through a proxy from the environment, which
    would resolve the name again, past the check. No redirect is followed: a redirect is an
    answer, not a delivery, and following it would re-send (or drop) the signed body somewhere
    the subscriber did not name."""
    try:
        targets = webhook_target_check(url)
    except ApplicationError as error:
        if error.code == "internal_address":
            logger.warning("Webhook not sent to %s, an internal address: %s", error.extra["host"],
                           ", ".join(error.extra["addresses"]) or "by its name")
        return None, str(error)[:1000]
    parts, host, port = _split_url(url)
    connection_class = (_CheckedHTTPSConnection if parts.scheme == "https"
                        else _CheckedHTTPConnection)
    # Always with the port: without one, http.client reads an IPv6 address's last group as it.
    connection = connection_class(host, port, targets=targets, timeout=TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        with connection.getresponse() as response:
            code, reason = response.status, response.reason
    except (OSError, http.client.HTTPException, ValueError) as error:
        # Timeouts, refused and reset connections, certificates, garbled answers.
        return None, (f"{type(error).__name__}: {error}")[:1000]
    finally:
        connection.close()
    if 200 <= code < 300:
        return code, ""
    return code, f"HTTP {code} {reason}"[:1000]


def webhook_deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> str | None:
    """Make one attempt at a pending delivery that is due, and record it.

    Idempotent and safe on several workers: the attempt starts with a compare-and-set claim
    (pending and due) that pushes `next_attempt_at` a lease ahead, so a second run finds
    nothing to claim, and a delivered delivery is never sent again. A 2xx answer delivers it;
    otherwise the next attempt is scheduled with exponential backoff, and after MAX_ATTEMPTS it
    has failed. Returns the status after the attempt, or None when there was nothing to send.
    """
    now = now or timezone.now()
    delivery = (WebhookDelivery.objects
                .select_related("subscription", "subscription__api_key", "event")
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first())
    if delivery is None:
        return None
    given_up = None
    if not delivery.subscription.is_active:
        # Deactivation gives up the pending deliveries; one created in the meantime too.
        given_up = "The subscription was deactivated."
    elif not webhook_key_may_receive(api_key=delivery.subscription.api_key,
                                     event_name=delivery.event.name, now=now):
        # Retries stop too once the key is revoked, expired or no longer holds the scope.
        given_up = "The API key of the subscription is no longer usable or lacks the scope."
    if given_up:
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=given_up)
        return None
    with transaction.atomic():
        # The claim filters on the delivery's own columns only: a condition through a join
        # becomes a subquery, which PostgreSQL does not re-check after waiting for a
        # concurrent claim's row lock.
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE)
        if not claimed:
            return None
        delivery.attempts = (WebhookDelivery.objects.filter(pk=delivery_id)
                             .values_list("attempts", flat=True).get())
        attempt = WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts,
                                                started_at=now)
    # Outside any transaction: a slow endpoint must hold no database lock.
    body = webhook_body(delivery.event)
    started = time.monotonic()
    code, error = _post(url=delivery.subscription.url, body=body, headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Tandem-Event": delivery.event.name,
        "X-Tandem-Delivery": str(delivery.pk),
        "X-Tandem-Signature": webhook_signature(secret=delivery.subscription.secret, body=body),
    })
    finished = now + datetime.timedelta(seconds=time.monotonic() - started)
    with transaction.atomic():
        WebhookAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=finished, response_code=code, error=error)
        mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        if not error:
            mine.update(status=DeliveryStatus.DELIVERED, delivered_at=finished,
                        next_attempt_at=None, last_response_code=code, last_error="")
            return DeliveryStatus.DELIVERED
        # Only while no later attempt has claimed it (possible only after a lease ran out).
        mine = mine.filter(attempts=delivery.attempts)
        if delivery.attempts >= MAX_ATTEMPTS:
            mine.update(status=DeliveryStatus.FAILED, next_attempt_at=None,
                        last_response_code=code, last_error=error)
            logger.warning("Webhook delivery %s failed for good after %s attempts: %s",
                           delivery.pk, delivery.attempts, error)
            return DeliveryStatus.FAILED
        mine.update(next_attempt_at=now + webhook_backoff(delivery.attempts),
                    last_response_code=code, last_error=error)
        return DeliveryStatus.PENDING
