"""Where webhooks may be sent: never to loopback, private, link-local or otherwise internal
addresses, whether the URL names the address or a host name resolves to it, at subscription and
again at every delivery (after resolving, so a name re-pointed later is refused too); the
delivery connects to the very address it checked; hosts an admin allows are exempt."""

import subprocess

import pytest
from django.test import override_settings
from django.utils import timezone

from coordination.core.apikeys.scopes import scope_choices
from coordination.core.apikeys.services import api_key_create
from coordination.core.errors import ApplicationError
from coordination.core.events.models import Event

# The API module registers the webhooks:manage scope (until CoordinationConfig.ready() does).
from coordination.core.webhooks import apis  # noqa: F401
from coordination.core.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from coordination.core.webhooks.services import (
    webhook_backoff,
    webhook_deliver,
    webhook_event_dispatch,
    webhook_event_register,
    webhook_subscription_create,
    webhook_subscription_update,
    webhook_target_check,
)
from tests.factories import UserFactory
from tests.network import PUBLIC_ADDRESS, Receiver, serve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dns")]

webhook_event_register("test.happened", "Something happened (tests)", scope=None)

WEBHOOKS = "/api/v1/webhooks/"
# No host is allowed to be internal: the production default.
no_internal_hosts = override_settings(WEBHOOK_ALLOWED_INTERNAL_HOSTS=[])

# Each URL, and the host its refusal names (the address, written plainly, for an address).
INTERNAL_URLS = [
    ("http://127.0.0.1:9/x", "127.0.0.1"),
    ("http://[::1]/", "::1"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("http://10.0.0.1/", "10.0.0.1"),
    ("http://192.168.1.1/", "192.168.1.1"),
    ("http://172.16.0.1/", "172.16.0.1"),
    ("http://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - a target refused, not a bind address
    ("http://[::]/", "::"),
    ("http://[fe80::1]/", "fe80::1"),
    ("http://[fc00::1]/", "fc00::1"),
    ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
    ("http://[::ffff:a9fe:a9fe]/", "169.254.169.254"),
    # 6to4 wrapping 127.0.0.1.
    ("http://[2002:7f00:1::]/", "2002:7f00:1::"),
    ("http://100.64.0.1/", "100.64.0.1"),
    ("http://192.0.2.1/", "192.0.2.1"),
    ("http://224.0.0.1/", "224.0.0.1"),
    ("http://[ff02::1]/", "ff02::1"),
    ("http://255.255.255.255/", "255.255.255.255"),
    ("https://localhost/", "localhost"),
    ("http://LocalHost./", "localhost"),
    ("http://api.localhost/", "api.localhost"),
    # The forms the C library's inet_aton reads as 127.0.0.1 too.
    ("http://2130706433/", "127.0.0.1"),
    ("http://0x7f.1/", "127.0.0.1"),
    ("http://0177.0.0.1/", "127.0.0.1"),
    ("http://127.1/", "127.0.0.1"),
    ("http://0x7f000001/", "127.0.0.1"),
    ("http://127.0.0.1./", "127.0.0.1"),
    # Names: see `internal_names`.
    ("https://intranet.partner.example/hooks", "intranet.partner.example"),
    ("https://metadata.partner.example/", "metadata.partner.example"),
    ("https://half.partner.example/", "half.partner.example"),
]


@pytest.fixture
def internal_names(dns):
    dns.names["intranet.partner.example"] = ["10.1.2.3"]
    dns.names["metadata.partner.example"] = ["169.254.169.254"]
    # Every address a name resolves to must be allowed: one internal one is enough to refuse.
    dns.names["half.partner.example"] = [PUBLIC_ADDRESS, "::1"]
    return dns


def all_scopes_key():
    return api_key_create(name="Everything", scopes=[name for name, _ in scope_choices()])


# At subscription ---------------------------------------------------------------------------------


@no_internal_hosts
@pytest.mark.usefixtures("internal_names")
@pytest.mark.parametrize(("url", "host"), INTERNAL_URLS)
def test_a_subscription_to_an_internal_address_is_refused(url, host):
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_create(url=url, events=["test.happened"])

    assert error.value.field == "url"
    assert error.value.code == "internal_address"
    assert f"internal addresses ({host})" in error.value.message
    assert not WebhookSubscription.objects.exists()


@no_internal_hosts
@pytest.mark.usefixtures("internal_names")
@pytest.mark.parametrize(("url", "host"), INTERNAL_URLS)
def test_the_api_refuses_internal_addresses_on_the_url_field(api_client, url, host):
    _key, raw = all_scopes_key()

    response = api_client.post(WEBHOOKS, {"url": url, "events": ["test.happened"]},
                               format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "url"
    # The number forms of 127.0.0.1 are no valid URL to the API's URL field already.
    assert error["code"] in ("internal_address", "invalid")
    assert not WebhookSubscription.objects.exists()


@no_internal_hosts
def test_the_api_names_the_internal_address_and_the_way_out(api_client):
    _key, raw = all_scopes_key()

    response = api_client.post(WEBHOOKS, {"url": "http://169.254.169.254/latest/meta-data",
                                          "events": ["test.happened"]},
                               format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.json()["errors"] == [{
        "field": "url", "code": "internal_address",
        "message": "Webhooks cannot be sent to internal addresses (169.254.169.254): give the "
                   "address of a server on the internet, or ask an admin to allow this host."}]


@no_internal_hosts
@pytest.mark.usefixtures("internal_names")
@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://[::ffff:127.0.0.1]/",
                                 "https://intranet.partner.example/hooks"])
def test_the_admin_refuses_internal_addresses_on_the_url_field(client, url):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.post("/admin/coordination/webhooksubscription/add/",
                           {"url": url, "events": ["test.happened"]})

    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["url"]
    assert "internal addresses" in message
    assert not WebhookSubscription.objects.exists()


@no_internal_hosts
def test_a_subscription_cannot_be_moved_to_an_internal_address():
    subscription, _secret = webhook_subscription_create(url="https://crm.example.com/tandem",
                                                        events=["test.happened"])
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_update(subscription=subscription, actor=None,
                                    url="http://10.0.0.1/", events=["test.happened"])
    assert error.value.field == "url"
    subscription.refresh_from_db()
    assert subscription.url == "https://crm.example.com/tandem"


@no_internal_hosts
def test_a_host_that_does_not_resolve_is_refused(dns):
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_create(url="https://nowhere.partner.invalid/h",
                                    events=["test.happened"])
    assert error.value.field == "url"
    assert error.value.code == "unresolvable"
    assert "“nowhere.partner.invalid” could not be resolved" in error.value.message
    assert dns.asked == ["nowhere.partner.invalid"]


@no_internal_hosts
@pytest.mark.parametrize("url", ["http://999.0.0.1/", "http://1.2.3.4.5/", "http://08.0.0.1/",
                                 "http://0x100000000/", "http://example.com:99999/",
                                 "ftp://example.com/", "http:///path", "http://[::1/",
                                 "http://a..b.example/"])
def test_a_host_that_is_no_address_nor_name_is_refused(url, dns):
    with pytest.raises(ApplicationError) as error:
        webhook_subscription_create(url=url, events=["test.happened"])
    assert error.value.field == "url"
    assert error.value.code == "invalid"
    # Refused as written: nothing asks a resolver about a malformed address.
    assert dns.asked == []


@no_internal_hosts
def test_a_public_host_is_accepted_and_its_addresses_returned(dns):
    dns.names["hooks.partner.example"] = [PUBLIC_ADDRESS, "2606:4700::1111"]
    addresses = webhook_target_check("https://hooks.partner.example/tandem")
    assert sorted(sockaddr[0] for _family, sockaddr in addresses) == [
        "2606:4700::1111", PUBLIC_ADDRESS]
    assert {sockaddr[1] for _family, sockaddr in addresses} == {443}
    webhook_subscription_create(url="https://hooks.partner.example/tandem",
                                events=["test.happened"])
    webhook_subscription_create(url="http://8.8.8.8:8080/tandem", events=["test.happened"])
    assert WebhookSubscription.objects.count() == 2


@pytest.mark.parametrize(("allowed", "url"), [
    (["127.0.0.1"], "http://127.0.0.1:9/x"),
    (["::1"], "http://[::1]:9/x"),
    # An allowed address is allowed however it is written.
    (["127.0.0.1"], "http://[::ffff:127.0.0.1]/"),
    (["[::1]"], "http://[::1]/"),
    (["localhost"], "http://localhost:9/"),
    (["hooks.internal.example"], "https://Hooks.Internal.Example./"),
    # By address: a name that resolves to it.
    (["10.1.2.3"], "https://intranet.partner.example/hooks"),
])
@pytest.mark.usefixtures("internal_names")
def test_an_admin_may_allow_internal_hosts(settings, dns, allowed, url):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = allowed
    dns.names["hooks.internal.example"] = ["10.0.0.5"]
    subscription, _secret = webhook_subscription_create(url=url, events=["test.happened"])
    assert subscription.url == url


@pytest.mark.usefixtures("internal_names")
def test_an_allowed_address_does_not_allow_the_others_a_name_resolves_to(settings):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["::1"]
    with pytest.raises(ApplicationError):
        webhook_target_check("https://intranet.partner.example/hooks")
    # PUBLIC_ADDRESS and ::1: both allowed.
    assert len(webhook_target_check("https://half.partner.example/")) == 2


# At delivery -------------------------------------------------------------------------------------


def pending_delivery(subscription):
    event = Event.objects.create(name="test.happened", payload={"lead": 7})
    [delivery_id] = webhook_event_dispatch(event_id=event.pk)
    return WebhookDelivery.objects.get(pk=delivery_id)


@no_internal_hosts
def test_a_name_re_pointed_at_loopback_after_subscribing_is_not_posted_to(dns, receiver):
    # Public when subscribed...
    dns.names["hooks.partner.example"] = [PUBLIC_ADDRESS]
    subscription, _secret = webhook_subscription_create(
        url=f"http://hooks.partner.example:{receiver.server_port}/hooks/tandem",
        events=["test.happened"])
    delivery = pending_delivery(subscription)
    # ... and the receiver on loopback when delivered (DNS rebinding).
    dns.names["hooks.partner.example"] = ["127.0.0.1"]
    now = timezone.now()

    assert webhook_deliver(delivery_id=delivery.pk, now=now) == DeliveryStatus.PENDING

    assert receiver.received == []
    assert receiver.connections == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_response_code is None
    assert "internal addresses (hooks.partner.example)" in delivery.last_error
    # Retried as usual: the name may point back at the subscriber's server.
    assert delivery.next_attempt_at == now + webhook_backoff(1)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error == delivery.last_error
    assert attempt.finished_at is not None


@no_internal_hosts
def test_a_subscription_made_before_the_check_is_not_posted_to(receiver):
    # As if subscribed when internal addresses were still accepted.
    subscription = WebhookSubscription.objects.create(url=receiver.url, events=["test.happened"],
                                                      secret="whsec_old")
    delivery = pending_delivery(subscription)

    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING

    assert receiver.connections == 0
    delivery.refresh_from_db()
    assert "internal addresses (127.0.0.1)" in delivery.last_error


@no_internal_hosts
def test_a_name_that_no_longer_resolves_is_a_failed_attempt_retried_as_usual(dns):
    dns.names["hooks.partner.example"] = [PUBLIC_ADDRESS]
    subscription, _secret = webhook_subscription_create(
        url="https://hooks.partner.example/tandem", events=["test.happened"])
    delivery = pending_delivery(subscription)
    del dns.names["hooks.partner.example"]
    now = timezone.now()

    assert webhook_deliver(delivery_id=delivery.pk, now=now) == DeliveryStatus.PENDING

    delivery.refresh_from_db()
    assert "could not be resolved" in delivery.last_error
    assert delivery.next_attempt_at == now + webhook_backoff(1)


def test_the_delivery_connects_to_the_address_it_checked(settings, dns, receiver):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["hooks.internal.example"]
    dns.names["hooks.internal.example"] = ["127.0.0.1"]
    subscription, _secret = webhook_subscription_create(
        url=f"http://hooks.internal.example:{receiver.server_port}/hooks/tandem?a=1",
        events=["test.happened"])
    delivery = pending_delivery(subscription)
    # Checked once per attempt: had the connection resolved the name again, it would have
    # got 127.0.0.2, where nothing listens.
    answers = iter([["127.0.0.1"]])
    dns.names["hooks.internal.example"] = lambda: next(answers, ["127.0.0.2"])
    dns.asked.clear()

    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED

    assert dns.asked == ["hooks.internal.example"]
    [request] = receiver.received
    # The name the subscriber gave, not the address connected to.
    assert request["headers"]["Host"] == f"hooks.internal.example:{receiver.server_port}"
    assert request["path"] == "/hooks/tandem?a=1"


def test_every_address_of_a_name_is_tried_in_turn(settings, dns, ipv6_receiver):
    # localhost is 127.0.0.1 first, where nothing listens on this port, then ::1.
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["localhost"]
    subscription, _secret = webhook_subscription_create(
        url=f"http://localhost:{ipv6_receiver.server_port}/hooks/tandem",
        events=["test.happened"])
    delivery = pending_delivery(subscription)

    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    assert len(ipv6_receiver.received) == 1


def test_an_allowed_ipv6_address_is_delivered_to(settings, ipv6_receiver):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["::1"]
    subscription, _secret = webhook_subscription_create(url=ipv6_receiver.url,
                                                        events=["test.happened"])
    delivery = pending_delivery(subscription)

    assert webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    [request] = ipv6_receiver.received
    assert request["headers"]["Host"] == f"[::1]:{ipv6_receiver.server_port}"


@pytest.fixture
def ipv6_receiver():
    try:
        server = Receiver(host="::1")
    except OSError:  # pragma: no cover - a machine without IPv6
        pytest.skip("No IPv6 loopback here.")
    yield from serve(server)


# HTTPS: the certificate is verified for the URL's host name, which is also the SNI -------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for hooks.internal.example: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
         "-subj", "/CN=hooks.internal.example",
         "-addext", "subjectAltName=DNS:hooks.internal.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_receiver(certificate):
    """The loopback receiver behind TLS; `server_names` records the SNI of each handshake."""
    import ssl

    cert, key = certificate
    server = Receiver()
    server.server_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_server_name(_socket, server_name, _context):
        server.server_names.append(server_name)

    context.sni_callback = remember_server_name
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from serve(server)


def tls_delivery(settings, dns, receiver, host):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = [host]
    dns.names[host] = ["127.0.0.1"]
    subscription, _secret = webhook_subscription_create(
        url=f"https://{host}:{receiver.server_port}/hooks/tandem", events=["test.happened"])
    delivery = pending_delivery(subscription)
    status = webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return status, delivery


def test_https_is_verified_for_the_host_name_while_connecting_to_its_address(
        settings, dns, tls_receiver, certificate, monkeypatch):
    # Trust the test certificate only.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))

    status, delivery = tls_delivery(settings, dns, tls_receiver, "hooks.internal.example")

    assert status == DeliveryStatus.DELIVERED, delivery.last_error
    assert tls_receiver.server_names == ["hooks.internal.example"]
    [request] = tls_receiver.received
    assert request["headers"]["Host"] == f"hooks.internal.example:{tls_receiver.server_port}"


def test_https_refuses_a_certificate_for_another_name(settings, dns, tls_receiver, certificate,
                                                      monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))

    status, delivery = tls_delivery(settings, dns, tls_receiver, "other.internal.example")

    assert status == DeliveryStatus.PENDING
    assert "certificate" in delivery.last_error.lower()
    assert tls_receiver.received == []


def test_https_refuses_an_untrusted_certificate(settings, dns, tls_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")

    status, delivery = tls_delivery(settings, dns, tls_receiver, "hooks.internal.example")

    assert status == DeliveryStatus.PENDING
    assert "certificate verify failed" in delivery.last_error.lower()
    assert tls_receiver.received == []
    assert tls_receiver.server_names == ["hooks.internal.example"]


def test_a_delivery_tries_a_few_addresses_at_most():
    import socket

    from coordination.core.webhooks.services import MAX_CONNECT_ADDRESSES, _connect

    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen(1)
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))  # bound, not listening: refused at once
    try:
        refused = (socket.AF_INET, closed.getsockname())
        answering = (socket.AF_INET, listening.getsockname())
        sock = _connect([refused] * (MAX_CONNECT_ADDRESSES - 1) + [answering], timeout=2)
        sock.close()
        with pytest.raises(OSError):
            _connect([refused] * MAX_CONNECT_ADDRESSES + [answering], timeout=2)
    finally:
        listening.close()
        closed.close()
