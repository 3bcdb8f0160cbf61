"""API keys: hashed, shown once, scoped, revocable, last use recorded."""

import datetime

import pytest
from django.utils import timezone

from coordination.core.apikeys.models import ApiKey
from coordination.core.apikeys.services import api_key_authenticate, api_key_create, api_key_revoke
from coordination.core.errors import ApplicationError
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_key_is_stored():
    api_key, raw = api_key_create(name="Marketing tool", scopes=["org:read"])
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert raw not in (stored.key_hash, stored.prefix)
    assert raw.startswith(f"tdm_{stored.prefix}_")
    assert len(stored.key_hash) == 64


def test_valid_key_reads_with_its_scope_and_records_last_use(api_client):
    DepartmentFactory(name="销售部")
    api_key, raw = api_key_create(name="CRM", scopes=["org:read"])
    assert api_key.last_used_at is None
    response = api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert [d["name"] for d in response.json()["results"]] == ["销售部"]
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_bearer_keyword_is_accepted_too(api_client):
    _key, raw = api_key_create(name="CRM", scopes=["org:read"])
    response = api_client.get("/api/v1/users/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_revoked_key_is_refused(api_client):
    api_key, raw = api_key_create(name="CRM", scopes=["org:read"])
    api_key_revoke(api_key=api_key)
    response = api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The API key is invalid, expired or revoked."


def test_expired_key_is_refused():
    api_key, raw = api_key_create(name="CRM", scopes=["org:read"],
                                  expires_at=timezone.now() + datetime.timedelta(days=1))
    ApiKey.objects.filter(pk=api_key.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api_key_authenticate(raw=raw) is None


def test_wrong_scope_is_forbidden_and_says_which_scope(api_client):
    _key, raw = api_key_create(name="Writer", scopes=["org:write"])
    response = api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403
    assert "org:read" in response.json()["errors"][0]["message"]


def test_read_scope_does_not_allow_writing(api_client):
    _key, raw = api_key_create(name="Reader", scopes=["org:read"])
    response = api_client.post("/api/v1/memberships/", {}, format="json",
                               HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403


def test_endpoint_without_scopes_is_closed_to_keys(api_client):
    _key, raw = api_key_create(name="CRM", scopes=["org:read", "org:write"])
    response = api_client.get("/api/v1/notifications/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 403


def test_tampered_or_unknown_keys_are_refused(api_client):
    _key, raw = api_key_create(name="CRM", scopes=["org:read"])
    for bad in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "tdm_nothing_here", "garbage"):
        response = api_client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Api-Key {bad}")
        assert response.status_code == 401


def test_unknown_scope_and_missing_name_are_refused():
    with pytest.raises(ApplicationError) as error:
        api_key_create(name="CRM", scopes=["leads:everything"])
    assert error.value.field == "scopes"
    with pytest.raises(ApplicationError) as error:
        api_key_create(name=" ", scopes=["org:read"])
    assert error.value.field == "name"
    assert not ApiKey.objects.exists()


def test_admin_shows_the_key_once_on_creation_and_revokes(admin_client):
    response = admin_client.post("/admin/coordination/apikey/add/",
                                 {"name": "ERP", "scopes": ["org:read"]}, follow=True)
    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="ERP")
    page = response.content.decode()
    assert f"tdm_{api_key.prefix}_" in page
    # The change page never shows it again.
    page = admin_client.get(f"/admin/coordination/apikey/{api_key.pk}/change/").content.decode()
    assert f"tdm_{api_key.prefix}_" not in page
    admin_client.post("/admin/coordination/apikey/", {
        "action": "revoke_selected", "_selected_action": [api_key.pk]})
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
