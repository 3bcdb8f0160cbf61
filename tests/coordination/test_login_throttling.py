"""Login lockout per account and per address, and API throttling per key and per person
(issue 7, item 5). Before the fix fifty wrong passwords in a row were all answered and the right
one then logged in, and a spray over 20 accounts from one address was never slowed."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from coordination.core.apikeys.services import api_key_create
from coordination.core.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _person(username):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, username, password, ip="198.51.100.7"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client):
    _person("chenjing")
    statuses = [_login(client, "chenjing", f"guess-{n}").status_code for n in range(50)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}
    response = _login(client, "chenjing", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another address too: the lock is on the account.
    response = _login(client, "chenjing", PASSWORD, ip="203.0.113.9")
    assert response.status_code == 429


def test_a_password_spray_over_twenty_accounts_locks_the_address(client):
    people = [_person(f"rep{n}") for n in range(21)]
    statuses = [_login(client, person.username, "Spring2026!").status_code
                for person in people[:20]]
    # Ten wrong passwords from one address (LOGIN_ADDRESS_FAILURE_LIMIT) lock it.
    assert statuses[:9] == [200] * 9
    assert set(statuses[10:]) == {429}
    # The 21st account's right password is refused from that address ...
    assert _login(client, people[20].username, PASSWORD).status_code == 429
    # ... but its owner logs in from their own desk.
    response = _login(client, people[20].username, PASSWORD, ip="203.0.113.20")
    assert response.status_code == 302


def test_a_few_typos_of_colleagues_sharing_an_address_lock_nobody_else(client):
    people = [_person(f"colleague{n}") for n in range(5)]
    for person in people[:4]:
        assert _login(client, person.username, "typo").status_code == 200
        assert _login(client, person.username, "typo").status_code == 200
    # Eight wrong passwords from the office address, none over an account's limit.
    assert _login(client, people[4].username, PASSWORD).status_code == 302


def test_logging_in_with_another_account_does_not_reset_the_count(client):
    _person("victim")
    _person("attacker")
    for n in range(4):
        assert _login(client, "victim", f"guess-{n}").status_code == 200
    # A working account logs in between the guesses from the same address ...
    assert _login(client, "attacker", PASSWORD).status_code == 302
    client.logout()
    # ... and the victim's count goes on: the fifth wrong password locks the account.
    assert _login(client, "victim", "guess-5").status_code in (200, 429)
    assert _login(client, "victim", PASSWORD).status_code == 429


def test_the_lockout_page_is_in_the_layout_and_translated(client):
    _person("zhaomin")
    for n in range(5):
        _login(client, "zhaomin", f"guess-{n}")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("login"), {"username": "zhaomin", "password": "x"},
                           REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    html = response.content.decode()
    assert 'id="locked-message"' in html
    assert "登录" in html and "管理员" in html
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "zhaomin", "password": "x"},
                           REMOTE_ADDR="198.51.100.7")
    assert "ask an administrator" in response.content.decode()


def test_an_admin_unlocks_a_locked_person(client):
    person = _person("yanglei")
    for n in range(6):
        _login(client, "yanglei", f"guess-{n}")
    assert _login(client, "yanglei", PASSWORD, ip="203.0.113.5").status_code == 429
    admin = UserFactory(is_superuser=True, is_staff=True)
    admin_client = type(client)()
    admin_client.force_login(admin)
    response = admin_client.post("/admin/coordination/user/", {
        "action": "unlock_login", "_selected_action": [person.pk]})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="user.login_unlocked", actor_id=admin.pk).exists()
    assert _login(client, "yanglei", PASSWORD, ip="203.0.113.5").status_code == 302


@pytest.fixture
def low_rates(settings):
    settings.API_THROTTLE_RATES = {"key": "3/minute", "user": "2/minute", "anon": "1/minute"}
    cache.clear()
    yield
    cache.clear()


def test_the_api_throttles_each_key_on_its_own(api_client, low_rates):
    _key, first = api_key_create(name="CRM", scopes=["org:read"])
    _key, second = api_key_create(name="ERP", scopes=["org:read"])
    statuses = [api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {first}"
                               ).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {first}")
    assert refused.json()["errors"][0]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert api_client.get("/api/v1/departments/",
                          HTTP_AUTHORIZATION=f"Api-Key {second}").status_code == 200


def test_the_api_throttles_each_person_on_their_own(api_client, low_rates):
    one, other = UserFactory(), UserFactory()
    api_client.force_authenticate(one)
    assert [api_client.get("/api/v1/departments/").status_code for _ in range(3)] == [
        200, 200, 429]
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/departments/").status_code == 200
