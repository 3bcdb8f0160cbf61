"""The schema is usable by a generated client (issue 7, item 8): openapi-python-client builds a
Python client from the live schema, and every module of it imports. Before the fix the
bulk-create module did not even import, because the write operations advertised JSON, form
and multipart bodies alike."""

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def schema(client, tmp_path) -> Path:
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    path = tmp_path / "schema.json"
    path.write_bytes(response.content)
    return path


def test_write_operations_take_json_only_and_uploads_multipart_only(schema):
    document = json.loads(schema.read_text())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if not body:
                continue
            types = set(body["content"])
            assert types in ({"application/json"}, {"multipart/form-data"}), (
                method, path, types)


def test_operation_ids_are_readable(schema):
    document = json.loads(schema.read_text())
    ids = {operation["operationId"] for operations in document["paths"].values()
           for operation in operations.values()}
    assert "leads_bulk_create" in ids
    assert not [operation_id for operation_id in ids if operation_id.startswith("v1_")]


def test_a_generated_python_client_imports_every_module(schema, tmp_path):
    output = tmp_path / "tandem_client"
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(VENV_BIN / "openapi-python-client"), "generate", "--path", str(schema),
         "--output-path", str(output), "--meta", "none"],
        capture_output=True, text=True, timeout=300, env=environment, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("tandem_client")
        names = [name for _finder, name, _is_package in
                 pkgutil.walk_packages(package.__path__, "tandem_client.")]
        for name in names:
            importlib.import_module(name)
        assert "tandem_client.api.leads.leads_bulk_create" in names
        bulk = importlib.import_module("tandem_client.api.leads.leads_bulk_create")
        assert callable(bulk.sync_detailed)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("tandem_client")]:
            del sys.modules[name]
