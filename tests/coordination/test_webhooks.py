"""Outbound webhooks: signed deliveries to a real HTTP server on 127.0.0.1, sent once, retried
with backoff, recorded attempt by attempt; nothing for inactive subscriptions or rolled-back
events; the API and admin for subscriptions; a key's subscriptions are its own and within its
scopes."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.db import transaction
from django.utils import timezone

from coordination.core.apikeys.models import ApiKey
from coordination.core.apikeys.services import api_key_create, api_key_revoke
from coordination.core.events.models import Event
from coordination.core.events.services import event_emit

# The API module registers the webhooks:manage scope (until CoordinationConfig.ready() does).
from coordination.core.webhooks import apis  # noqa: F401
from coordination.core.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from coordination.core.webhooks.services import (
    MAX_ATTEMPTS,
    webhook_deliver,
    webhook_deliveries_due,
    webhook_event_dispatch,
    webhook_event_register,
    webhook_subscription_create,
    webhook_subscription_deactivate,
)
from coordination.core.webhooks.tasks import webhook_deliver_task
from tests.factories import UserFactory, member

# Names resolve through the fake resolver (conftest.py): example.com names to a public address.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dns")]

webhook_event_register("test.happened", "Something happened (tests)", scope=None)
webhook_event_register("test.other", "Something else happened (tests)", scope=None)

WEBHOOKS = "/api/v1/webhooks/"


def subscribe(url, events=("test.happened",)):
    return webhook_subscription_create(url=url, events=list(events))


def pending_delivery(subscription, name="test.happened", payload=None):
    """An event and its delivery, created without sending it."""
    event = Event.objects.create(name=name, payload=payload or {"lead": 7})
    [delivery_id] = webhook_event_dispatch(event_id=event.pk)
    return WebhookDelivery.objects.get(pk=delivery_id)


# Signing and sending -----------------------------------------------------------------------------


def test_delivery_is_signed_with_a_hmac_of_the_raw_body(
        receiver, django_capture_on_commit_callbacks):
    subscription, secret = subscribe(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        event = event_emit(name="test.happened", payload={"dispute": 3, "verdict": "invalid"})

    [request] = receiver.received
    body = request["body"]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Tandem-Signature"] == expected
    assert request["headers"]["X-Tandem-Event"] == "test.happened"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["path"] == "/hooks/tandem"
    delivery = WebhookDelivery.objects.get()
    assert request["headers"]["X-Tandem-Delivery"] == str(delivery.pk)
    assert json.loads(body) == {"id": event.pk, "event": "test.happened",
                                "created_at": event.created_at.isoformat(),
                                "data": {"dispute": 3, "verdict": "invalid"}}
    # A different secret does not verify.
    wrong = "sha256=" + hmac.new(b"whsec_other", body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(wrong, request["headers"]["X-Tandem-Signature"])
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_response_code == 200
    assert delivery.delivered_at is not None
    assert Event.objects.get(pk=event.pk).dispatched_at is not None
    assert subscription.secret == secret


def test_a_delivery_is_sent_once_even_if_the_task_runs_twice(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)

    assert webhook_deliver_task.delay(delivery.pk).get() == DeliveryStatus.DELIVERED
    assert webhook_deliver_task.delay(delivery.pk).get() is None

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_an_event_is_dispatched_once(receiver):
    subscription, _secret = subscribe(receiver.url)
    event = Event.objects.create(name="test.happened", payload={})
    assert len(webhook_event_dispatch(event_id=event.pk)) == 1
    # The after-commit hand-over and the sweep may both try: the second creates nothing.
    assert webhook_event_dispatch(event_id=event.pk) == []
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_failures_are_retried_with_backoff_and_every_attempt_recorded(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)
    receiver.statuses = [500, 503]
    start = timezone.now()

    assert webhook_deliver(delivery_id=delivery.pk, now=start) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_response_code == 500
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.next_attempt_at == start + datetime.timedelta(minutes=1)

    # Not due yet: nothing is sent.
    early = start + datetime.timedelta(seconds=30)
    assert webhook_deliver(delivery_id=delivery.pk, now=early) is None
    assert len(receiver.received) == 1

    second = start + datetime.timedelta(minutes=1)
    assert webhook_deliver(delivery_id=delivery.pk, now=second) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.last_response_code == 503
    # The wait doubles.
    assert delivery.next_attempt_at == second + datetime.timedelta(minutes=2)

    third = second + datetime.timedelta(minutes=2)
    assert webhook_deliver(delivery_id=delivery.pk, now=third) == DeliveryStatus.DELIVERED
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    assert delivery.last_error == ""
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.response_code) for a in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert [a.started_at for a in attempts] == [start, second, third]
    assert all(a.finished_at is not None for a in attempts)
    # The same signed body every time.
    assert len({request["body"] for request in receiver.received}) == 1


def test_a_delivery_fails_for_good_after_the_last_attempt(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)
    receiver.statuses = [500] * MAX_ATTEMPTS
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        webhook_deliver(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        now = delivery.next_attempt_at or now

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    assert webhook_deliver(delivery_id=delivery.pk, now=now + datetime.timedelta(days=1)) is None
    assert len(receiver.received) == MAX_ATTEMPTS


def test_an_unreachable_endpoint_is_recorded_and_retried(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)
    # Nothing listens there any more.
    receiver.shutdown()
    receiver.server_close()
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.last_response_code is None
    assert "refused" in delivery.last_error.lower()
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.response_code is None
    assert attempt.error == delivery.last_error


def test_a_redirect_is_not_followed(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)
    receiver.statuses = [307]
    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.last_response_code == 307
    assert len(receiver.received) == 1


def test_the_sweep_sends_due_deliveries_and_events_that_missed_their_hand_over(
        receiver, django_capture_on_commit_callbacks):
    subscription, _secret = subscribe(receiver.url)
    due = pending_delivery(subscription)
    # A committed event whose after-commit hand-over never ran (the process died).
    missed = Event.objects.create(name="test.happened", payload={"n": 2})
    Event.objects.filter(pk=missed.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5))
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_due() == 2

    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
    assert WebhookDelivery.objects.get(event=missed).pk != due.pk
    assert len(receiver.received) == 2


# Who gets what -----------------------------------------------------------------------------------


def test_inactive_subscriptions_and_other_events_get_nothing(
        receiver, django_capture_on_commit_callbacks):
    listening, _secret = subscribe(receiver.url)
    inactive, _secret = subscribe(receiver.url + "/inactive")
    webhook_subscription_deactivate(subscription=inactive, actor=None)
    subscribe(receiver.url + "/other", events=["test.other"])

    with django_capture_on_commit_callbacks(execute=True):
        event_emit(name="test.happened", payload={})

    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [listening.pk]
    assert [request["path"] for request in receiver.received] == ["/hooks/tandem"]


def test_deactivating_gives_up_pending_deliveries(receiver):
    subscription, _secret = subscribe(receiver.url)
    delivery = pending_delivery(subscription)
    webhook_subscription_deactivate(subscription=subscription, actor=None)
    assert webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_transaction_creates_no_delivery(receiver):
    subscribe(receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        event_emit(name="test.happened", payload={"n": 1})
        raise RuntimeError("the change failed")

    assert not Event.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []

    # The same, committed: delivered after the commit.
    with transaction.atomic():
        event_emit(name="test.happened", payload={"n": 2})
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert json.loads(receiver.received[0]["body"])["data"] == {"n": 2}


# Subscriptions: services, API, admin -------------------------------------------------------------


def test_a_subscription_needs_a_web_url_and_known_events():
    from coordination.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        webhook_subscription_create(url="file:///etc/passwd", events=["test.happened"])
    assert error.value.field == "url"
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_create(url="https://example.com/h", events=["test.nope"])
    assert error.value.field == "events"


def test_admin_creates_lists_and_deactivates_subscriptions_by_api(api_client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(admin)

    response = api_client.post(WEBHOOKS, {"url": "https://crm.example.com/tandem",
                                          "events": ["test.happened"]}, format="json")
    assert response.status_code == 201
    created = response.json()
    subscription = WebhookSubscription.objects.get()
    # The secret once, in full; masked ever after.
    assert created["secret"] == subscription.secret
    assert subscription.secret.startswith("whsec_")
    assert subscription.created_by == admin
    listed = api_client.get(WEBHOOKS).json()["results"]
    assert listed[0]["secret"] == f"…{subscription.secret[-4:]}"
    assert subscription.secret not in json.dumps(api_client.get(
        f"{WEBHOOKS}{subscription.pk}/").json())

    response = api_client.post(f"{WEBHOOKS}{subscription.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    # No editing or deleting: deactivate, and subscribe anew.
    assert api_client.patch(f"{WEBHOOKS}{subscription.pk}/", {"url": "https://x.example"},
                            format="json").status_code == 405
    assert api_client.delete(f"{WEBHOOKS}{subscription.pk}/").status_code == 405


def test_subscription_input_errors_name_their_field(api_client):
    api_client.force_authenticate(UserFactory(is_superuser=True))
    response = api_client.post(WEBHOOKS, {"url": "https://crm.example.com/tandem",
                                          "events": ["lead.nothing"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"
    response = api_client.post(WEBHOOKS, {"url": "ftp://crm.example.com/",
                                          "events": ["test.happened"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"


def test_only_admins_and_keys_with_the_scope_manage_webhooks(api_client):
    subscribe("https://crm.example.com/tandem")
    api_client.force_authenticate(member("sales", "head"))
    assert api_client.get(WEBHOOKS).status_code == 403
    assert api_client.post(WEBHOOKS, {"url": "https://a.example", "events": ["test.happened"]},
                           format="json").status_code == 403
    api_client.force_authenticate(None)

    key, raw = api_key_create(name="CRM", scopes=["webhooks:manage"])
    response = api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    # The admin's subscription is not the key's.
    assert response.json()["results"] == []
    response = api_client.post(WEBHOOKS, {"url": "https://crm.example.com/other",
                                          "events": ["test.happened"]}, format="json",
                               HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 201
    assert response.json()["api_key"] == key.pk
    created = WebhookSubscription.objects.get(pk=response.json()["id"])
    assert created.created_by is None
    assert created.api_key == key
    response = api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert [row["id"] for row in response.json()["results"]] == [created.pk]

    _key, raw = api_key_create(name="Other", scopes=["org:read"])
    assert api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 403


def test_admin_shows_the_secret_once_on_creation(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post("/admin/coordination/webhooksubscription/add/",
                           {"url": "https://crm.example.com/tandem",
                            "events": ["test.happened"]}, follow=True)
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in response.content.decode()
    page = client.get(f"/admin/coordination/webhooksubscription/{subscription.pk}/change/")
    assert page.status_code == 200
    assert subscription.secret not in page.content.decode()
    delivery = pending_delivery(subscription)
    assert client.get("/admin/coordination/webhookdelivery/").status_code == 200
    assert client.get(
        f"/admin/coordination/webhookdelivery/{delivery.pk}/change/").status_code == 200


# Scopes and owners: a key subscribes within its scopes, and to its own subscriptions only -------


def key_post(api_client, raw, events, url="https://crm.example.com/tandem"):
    return api_client.post(WEBHOOKS, {"url": url, "events": list(events)}, format="json",
                           HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_dispute_events_need_the_quality_scope():
    from coordination.core.webhooks.services import webhook_event_scope

    assert webhook_event_scope("dispute.opened") == "quality:read"
    assert webhook_event_scope("dispute.ruled") == "quality:read"
    with pytest.raises(ValueError):
        webhook_event_register("test.typo", "A scope nobody registered", scope="qualty:read")


def test_a_key_without_the_scope_of_an_event_cannot_subscribe_to_it(api_client):
    _key, raw = api_key_create(name="CRM", scopes=["webhooks:manage"])

    response = key_post(api_client, raw, ["dispute.ruled"])

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "events"
    assert error["code"] == "missing_scope"
    assert "quality:read" in error["message"]
    assert "dispute.ruled" in error["message"]
    # Nothing half-made, and no event is dropped quietly from a mixed list either.
    assert key_post(api_client, raw, ["test.happened", "dispute.opened"]).status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_a_key_with_the_scope_of_an_event_subscribes_and_receives_it(api_client):
    key, raw = api_key_create(name="CRM", scopes=["webhooks:manage", "quality:read"])

    response = key_post(api_client, raw, ["dispute.ruled", "dispute.opened"])

    assert response.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert subscription.api_key == key
    assert subscription.events == ["dispute.opened", "dispute.ruled"]
    event = Event.objects.create(name="dispute.ruled", payload={"dispute": 1})
    assert len(webhook_event_dispatch(event_id=event.pk)) == 1


def test_a_revoked_key_gets_no_new_deliveries(receiver, django_capture_on_commit_callbacks):
    key, _raw = api_key_create(name="CRM", scopes=["webhooks:manage", "quality:read"])
    subscription, _secret = webhook_subscription_create(
        url=receiver.url, events=["dispute.ruled"], actor=_principal(key))
    pending = pending_delivery(subscription, name="dispute.ruled")

    api_key_revoke(api_key=key)

    with django_capture_on_commit_callbacks(execute=True):
        event_emit(name="dispute.ruled", payload={"dispute": 2, "verdict": "invalid"})
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [pending.pk]
    # What was pending when the key was revoked is given up, not sent.
    assert webhook_deliver(delivery_id=pending.pk) is None
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_an_expired_key_or_one_without_the_scope_any_more_gets_nothing(receiver):
    key, _raw = api_key_create(name="CRM", scopes=["webhooks:manage", "quality:read"])
    subscription, _secret = webhook_subscription_create(
        url=receiver.url, events=["dispute.opened", "test.happened"], actor=_principal(key))

    # Keys are not edited; a changed row stands for a key whose scopes no longer match.
    ApiKey.objects.filter(pk=key.pk).update(scopes=["webhooks:manage"])
    assert webhook_event_dispatch(
        event_id=Event.objects.create(name="dispute.opened", payload={}).pk) == []
    # An event that needs no scope still goes to the usable key.
    assert len(webhook_event_dispatch(
        event_id=Event.objects.create(name="test.happened", payload={}).pk)) == 1

    ApiKey.objects.filter(pk=key.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert webhook_event_dispatch(
        event_id=Event.objects.create(name="test.happened", payload={}).pk) == []


def test_a_key_neither_sees_nor_deactivates_another_keys_subscription(api_client):
    _mine, raw = api_key_create(name="CRM", scopes=["webhooks:manage"])
    _theirs, other_raw = api_key_create(name="ERP", scopes=["webhooks:manage"])
    response = key_post(api_client, other_raw, ["test.happened"],
                        url="https://erp.example.com/tandem")
    assert response.status_code == 201
    theirs = WebhookSubscription.objects.get(pk=response.json()["id"])

    assert api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}").json()["results"] == []
    assert api_client.get(f"{WEBHOOKS}{theirs.pk}/",
                          HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 404
    assert api_client.post(f"{WEBHOOKS}{theirs.pk}/deactivate/",
                           HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active

    # Its owner does; an admin sees every subscription.
    assert api_client.post(f"{WEBHOOKS}{theirs.pk}/deactivate/",
                           HTTP_AUTHORIZATION=f"Api-Key {other_raw}").status_code == 200
    api_client.force_authenticate(UserFactory(is_superuser=True))
    assert [row["id"] for row in api_client.get(WEBHOOKS).json()["results"]] == [theirs.pk]


def test_an_admins_subscription_receives_every_event_it_chose(
        api_client, receiver, django_capture_on_commit_callbacks):
    admin = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(admin)
    response = api_client.post(WEBHOOKS, {"url": receiver.url, "events": ["dispute.ruled"]},
                               format="json")
    assert response.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert subscription.api_key is None
    assert subscription.created_by == admin

    with django_capture_on_commit_callbacks(execute=True):
        event_emit(name="dispute.ruled", payload={"dispute": 4, "verdict": "valid"})

    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert [json.loads(request["body"])["event"] for request in receiver.received] == [
        "dispute.ruled"]


def test_an_admin_cannot_widen_a_keys_subscription_beyond_its_scopes():
    from coordination.core.errors import ApplicationError
    from coordination.core.webhooks.services import webhook_subscription_update

    key, _raw = api_key_create(name="CRM", scopes=["webhooks:manage"])
    subscription, _secret = webhook_subscription_create(
        url="https://crm.example.com/tandem", events=["test.happened"], actor=_principal(key))
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_update(subscription=subscription, actor=None,
                                    url=subscription.url, events=["dispute.ruled"])
    assert error.value.field == "events"


def _principal(api_key):
    from coordination.core.apikeys.principal import ApiKeyPrincipal

    return ApiKeyPrincipal(api_key)


# Query counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("per_owner", [1, 4])
def test_the_subscription_list_costs_the_same_however_many_subscriptions(
        client, api_client, django_assert_num_queries, per_owner):
    admin = UserFactory(is_superuser=True, is_staff=True)
    keys = [api_key_create(name=f"Integration {n}", scopes=["webhooks:manage"])
            for n in range(3)]
    for key, _raw in keys:
        for number in range(per_owner):
            webhook_subscription_create(url=f"https://crm.example.com/{key.pk}/{number}",
                                        events=["test.happened"], actor=_principal(key))
    for number in range(per_owner):
        webhook_subscription_create(url=f"https://erp.example.com/admin/{number}",
                                    events=["test.happened"], actor=admin)
    client.force_login(admin)

    # The session, the user, the page of subscriptions (no count: cursor pagination).
    with django_assert_num_queries(3):
        response = client.get(WEBHOOKS)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4 * per_owner

    # The key, the page of its own subscriptions (once its first use is stamped: at most one
    # write a minute, see api_key_authenticate).
    key, raw = keys[1]
    api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    with django_assert_num_queries(2):
        response = api_client.get(WEBHOOKS, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert [row["api_key"] for row in response.json()["results"]] == [key.pk] * per_owner
