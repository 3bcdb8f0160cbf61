"""Hostile input answers 400 in the API's error format, never a 500 (issue 7, item 7), and a bad
record of a bulk call fails alone. Each case below answered 500 (or failed the whole batch)
before the fix."""

import json

import pytest

from coordination.core.apikeys.services import api_key_create
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


@pytest.fixture
def key():
    _key, raw = api_key_create(name="Marketing tool",
                               scopes=["leads:read", "leads:write", "org:read"])
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def source():
    return SourceFactory(name="抖音信息流")


def _errors(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["errors"]


def _post(api_client, key, path, body):
    return api_client.generic("POST", path, json.dumps(body) if not isinstance(body, str)
                              else body, content_type="application/json", **key)


@pytest.mark.parametrize("value", ["2026-12-01T00:00:00+16:00", "2026-12-01T00:00:00+23:59",
                                   "2026-12-01T00:00:00-20:00", "0001-01-01T00:00:00+15:00",
                                   "9999-12-31T23:59:59-15:00", "2026-13-45T10:00:00+08:00"])
@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_a_date_filter_with_an_impossible_offset_is_a_field_error(api_client, key, name, value):
    response = api_client.get(LEADS, {name: value}, **key)
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == name


def test_a_date_filter_with_a_real_offset_still_filters(api_client, key, source):
    LeadFactory(source=source)
    response = api_client.get(LEADS, {"created_after": "2000-01-01T00:00:00+14:00"}, **key)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("path", ["/api/v1/leads/abc/claim/", "/api/v1/leads/abc/",
                                  "/api/v1/leads/1.5/", "/api/v1/leads/%C2%B2/",
                                  "/api/v1/disputes/x/rule/", "/api/v1/nothing-here/"])
def test_a_non_numeric_id_is_a_json_404(api_client, key, path):
    response = api_client.post(path, {}, format="json", **key)
    assert response.status_code == 404
    assert _errors(response)[0]["code"] == "not_found"


@pytest.mark.parametrize("text", ["王\x00伟", "\ud800王伟", "王伟\udfff", "王\u202e伟",
                                  "王\x1b[31m伟", "王\u2066伟"])
def test_nul_surrogates_controls_and_bidi_overrides_in_a_name_are_refused(
        api_client, key, source, text):
    response = _post(api_client, key, LEADS, {"source": source.pk, "name": text,
                                              "phone": "13800138000"})
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "name"
    assert not Lead.objects.exists()


@pytest.mark.parametrize("attributes", [{"note": "a\x00b"}, {"a\x00": 1}, {"k": "\ud800"},
                                        {"k": ["\udfff"]}])
def test_nul_and_surrogates_in_attributes_are_refused(api_client, key, source, attributes):
    response = _post(api_client, key, LEADS, {"source": source.pk, "name": "王伟",
                                              "phone": "13800138000",
                                              "attributes": attributes})
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "attributes"


def test_attributes_are_limited_in_size_and_depth(api_client, key, source):
    deep: dict = {"v": 1}
    for _ in range(6):
        deep = {"n": deep}
    for attributes, code in [({"k": "x" * 10000}, "too_large"), (deep, "too_deep"),
                             ({f"k{n}": n for n in range(101)}, "too_many")]:
        response = _post(api_client, key, LEADS, {"source": source.pk, "name": "王伟",
                                                  "phone": "13800138000",
                                                  "attributes": attributes})
        assert response.status_code == 400, code
        error = _errors(response)[0]
        assert (error["field"], error["code"]) == ("attributes", code)
    response = _post(api_client, key, LEADS, {"source": source.pk, "name": "王伟",
                                              "phone": "13800138000",
                                              "attributes": {"ad": {"group": ["a", "b"]}}})
    assert response.status_code == 201


@pytest.mark.parametrize("depth", [1000, 100000])
def test_deeply_nested_json_is_a_parse_error(api_client, key, source, depth):
    body = "[" * depth + "]" * depth
    response = _post(api_client, key, LEADS, body)
    assert response.status_code == 400
    assert _errors(response)[0]["code"] == "parse_error"
    nested = '{"a":' * depth + "1" + "}" * depth
    body = (f'{{"source": {source.pk}, "name": "王伟", "phone": "13800138000", '
            f'"attributes": {nested}}}')
    response = _post(api_client, key, LEADS, body)
    assert response.status_code == 400


def test_nan_is_not_json(api_client, key, source):
    response = _post(api_client, key, LEADS, f'{{"source": {source.pk}, "name": "王伟", '
                     '"phone": "13800138000", "attributes": {"x": NaN}}')
    assert response.status_code == 400


def test_an_oversize_body_answers_413_in_the_error_format(api_client, key, source, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = _post(api_client, key, "/api/v1/leads/bulk/", {
        "source": source.pk, "leads": [{"name": "王伟" * 100, "phone": "13800138000"}] * 50})
    assert response.status_code == 413
    assert _errors(response)[0]["code"] == "request_too_large"


def test_a_form_body_is_refused_where_json_is_taken(api_client, key, source):
    response = api_client.post(LEADS, {"source": source.pk, "name": "王伟",
                                       "phone": "13800138000"}, **key)  # multipart
    assert response.status_code == 415
    assert _errors(response)[0]["code"] == "unsupported_media_type"


def test_in_bulk_each_bad_record_fails_alone(api_client, key, source):
    campaign = CampaignFactory(source=source)
    good = {"name": "王伟", "phone": "13800138000", "external_id": "good-1"}
    records = [
        good,
        {"name": "张\x00三", "phone": "13800138001", "external_id": "nul"},
        {"name": "李\ud800四", "phone": "13800138002", "external_id": "surrogate"},
        {"name": "赵六", "email": "a" * 250 + "@qq.com", "external_id": "long-email"},
        {"name": "钱七", "phone": "13800138003", "campaign": "²", "external_id": "superscript"},
        None,
        {"name": "孙八", "phone": "13800138004", "campaign": campaign.pk,
         "external_id": "good-2"},
        {"name": "周九", "phone": "+86 10 6552 9988 ext. 123", "external_id": "extension"},
        {"name": "吴十", "phone": "13800138005", "campaign": True, "external_id": "bool"},
        {"name": "郑一", "phone": "13800138006", "external_id": "x\x00y"},
    ]
    response = _post(api_client, key, "/api/v1/leads/bulk/", {"source": source.pk,
                                                              "leads": records})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert [item["index"] for item in body["created"]] == [0, 6]
    failed = {item["index"]: item["errors"][0]["field"] for item in body["failed"]}
    assert failed == {1: "name", 2: "name", 3: "email", 4: "campaign", 5: None,
                      7: "phone", 8: "campaign", 9: "external_id"}
    assert Lead.objects.count() == 2


def test_a_phone_extension_is_refused_not_dropped(api_client, key, source):
    response = _post(api_client, key, LEADS, {"source": source.pk, "name": "王伟",
                                              "phone": "010 6552 9988 转 123"})
    if response.status_code == 201:  # a number phonenumbers reads without an extension
        assert Lead.objects.get().phone == "+861065529988"
    response = _post(api_client, key, LEADS, {"source": source.pk, "name": "王伟",
                                              "phone": "+86 10 6552 9988 ext. 123"})
    assert response.status_code == 400
    assert _errors(response)[0]["code"] == "phone_extension"


@pytest.mark.parametrize("query", ["q=%00", "region=%00", "q=%ED%A0%80", "q=%F0%9F",
                                   "owner=99999999999999999999999", "owner=-1",
                                   "source=1e400", "campaign=1.5"])
def test_hostile_query_parameters_never_crash(api_client, key, query):
    response = api_client.get(f"{LEADS}?{query}", **key)
    assert response.status_code in (200, 400)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/api/v1/memberships/", "/api/v1/assignment-rules/"])
def test_filtering_by_an_unknown_id_is_an_empty_list(api_client, key, path):
    _key, raw = api_key_create(name="all", scopes=["org:read", "leads:read"])
    field = "team" if "rules" in path else "department"
    response = api_client.get(path, {field: 987654}, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_nul_and_surrogates_in_rule_conditions_are_refused(api_client):
    api_client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    for value in ["抖音\x00", "\ud800"]:
        response = _post(api_client, {}, "/api/v1/assignment-rules/", {
            "name": "华东", "priority": 1, "strategy": "round_robin",
            "conditions": [{"field": "region", "op": "equals", "value": value}]})
        assert response.status_code == 400, response.content[:300]
        assert _errors(response)[0]["field"] == "conditions"


@pytest.mark.parametrize("path", ["/api/v1/leads/abc/claim/", "/api/v2/leads/", "/api/nothing"])
def test_unknown_api_paths_answer_json_also_in_debug(api_client, key, path, settings):
    settings.DEBUG = True
    response = api_client.post(path, {}, format="json", **key)
    assert response.status_code == 404
    assert _errors(response)[0]["code"] == "not_found"


@pytest.mark.parametrize("position", ["abc", "a\x00b", "1e400"])
@pytest.mark.parametrize("path", ["/api/v1/memberships/", "/api/v1/leads/", "/api/v1/users/"])
def test_a_forged_cursor_is_an_invalid_cursor_not_a_crash(api_client, key, path, position):
    import base64
    from urllib.parse import urlencode

    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = api_client.get(path, {"cursor": cursor}, **key)
    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("application/json")


def test_the_funnel_refuses_dates_at_the_edge_of_the_calendar(api_client):
    _key, raw = api_key_create(name="bi", scopes=["metrics:read"])
    response = api_client.get("/api/v1/metrics/funnel/", {"start": "0001-01-01",
                                                          "end": "0001-01-02"},
                              HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "start"
