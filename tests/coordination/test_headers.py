"""Security headers (issue 7, item 8): a Content-Security-Policy on every page with no inline
script, and `Cache-Control: no-store` on pages and API answers carrying personal data."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from coordination.core.apikeys.services import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/", "/leads/", "/api/docs/", "/admin/"])
def test_every_page_has_a_policy_without_inline_script(client, path):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(path, follow=True)
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)
    html = response.content.decode()
    # Every script of the page is a file of this site (JSON data blocks are not run).
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_no_template_carries_inline_script_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path}: {tag}")
        if re.search(r"\son[a-z]+=\"", text) or "javascript:" in text:
            offenders.append(f"{path}: event handler attribute")
    assert offenders == []


def test_pages_with_personal_data_are_never_stored(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for path in ["/", "/leads/", "/notifications/"]:
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path


def test_api_answers_are_never_stored(api_client):
    _key, raw = api_key_create(name="CRM", scopes=["leads:read", "org:read"])
    for path in ["/api/v1/leads/", "/api/v1/users/", "/api/v1/leads/999999/"]:
        response = api_client.get(path, HTTP_AUTHORIZATION=f"Api-Key {raw}")
        assert "no-store" in response["Cache-Control"], path
