"""The OpenAPI schema documents the Idempotency-Key header on every POST, and its answers."""

import pytest


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def operations(schema, method):
    return [(path, item[method]) for path, item in schema["paths"].items() if method in item]


def test_every_post_documents_the_optional_header_and_its_answers(schema):
    posts = operations(schema, "post")
    assert posts
    for path, operation in posts:
        headers = [parameter for parameter in operation["parameters"]
                   if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"]
        assert len(headers) == 1, path
        assert headers[0]["required"] is False
        assert headers[0]["schema"]["maxLength"] == 255
        for status in ("400", "409", "422"):
            assert status in operation["responses"], (path, status)
        assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Errors"}
    assert "Errors" in schema["components"]["schemas"]


def test_other_methods_do_not_mention_the_header(schema):
    for method in ("get", "put", "patch", "delete"):
        for path, operation in operations(schema, method):
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            assert "Idempotency-Key" not in names, (method, path)


def test_an_answer_the_view_documents_is_kept(schema):
    claim = schema["paths"]["/api/v1/leads/{id}/claim/"]["post"]
    assert "409" in claim["responses"]
    assert "idempotency" not in claim["responses"]["409"].get("description", "").lower()
