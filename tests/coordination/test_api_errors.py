import pytest

from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_requests_get_the_error_format(api_client):
    response = api_client.get("/api/v1/departments/")
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_validation_errors_name_the_field(api_client):
    api_client.force_authenticate(UserFactory(is_superuser=True))
    response = api_client.post("/api/v1/memberships/", {"role": "boss"}, format="json")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"user", "department", "role"} <= fields


def test_list_endpoints_use_a_constant_number_of_queries(api_client,
                                                        django_assert_num_queries):
    from tests.factories import TeamFactory, member

    user = UserFactory()
    api_client.force_authenticate(user)

    def grow(n):
        for _ in range(n):
            department = DepartmentFactory()
            TeamFactory(department=department)
            member(department=department)

    grow(2)
    # departments: the page, teams prefetched
    with django_assert_num_queries(2):
        assert api_client.get("/api/v1/departments/").status_code == 200
    # users: the page, memberships with departments prefetched
    with django_assert_num_queries(2):
        assert api_client.get("/api/v1/users/").status_code == 200
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/memberships/").status_code == 200
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/notifications/").status_code == 200
    grow(10)
    with django_assert_num_queries(2):
        assert api_client.get("/api/v1/departments/").status_code == 200
    with django_assert_num_queries(2):
        assert api_client.get("/api/v1/users/").status_code == 200
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/memberships/").status_code == 200


def test_schema_and_docs_are_served_without_internet(client):
    user = UserFactory()
    client.force_login(user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/departments/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_openapi_schema_is_valid_and_has_no_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/leads/bulk/" in target.read_text()
