"""The import-linter contracts of pyproject.toml keep every import going down a floor.

`make lint` runs them on the real tree; these tests prove that the contracts themselves bite:
run against a small tree with the project's package names, they pass when imports go down and
fail when the core imports a feature app, or an app imports one above it.
"""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINT_IMPORTS = pathlib.Path(sys.executable).with_name("lint-imports")

# A module per floor, each importing the one below it.
TREE = {
    "coordination/__init__.py": "",
    "coordination/urls.py": "import coordination.dashboards.views\n",
    "coordination/api_urls.py": "import leads.models\n",
    "coordination/schedules.py": "import coordination.core.org\n",
    "coordination/celery.py": "",
    "coordination/wsgi.py": "",
    "coordination/core/__init__.py": "",
    "coordination/core/org.py": "",
    "coordination/core/web.py": "import coordination.core.org\n",
    "coordination/core/management/__init__.py": "",
    "coordination/core/management/commands/__init__.py": "",
    # A command may seed several apps: outside the contracts.
    "coordination/core/management/commands/seed.py": "import leads.models\n",
    "leads/__init__.py": "",
    "leads/models.py": "import coordination.core.org\n",
    "handoff/__init__.py": "",
    "handoff/models.py": "import leads.models\n",
    "complaints/__init__.py": "",
    "complaints/models.py": "import handoff.models\n",
    "coordination/metrics/__init__.py": "",
    "coordination/metrics/funnel.py": "import complaints.models\nimport leads.models\n",
    "meetings/__init__.py": "",
    "meetings/models.py": "import coordination.metrics.funnel\n",
    "coordination/dashboards/__init__.py": "",
    "coordination/dashboards/views.py": (
        "import meetings.models\nimport coordination.metrics.funnel\n"),
}


def lint(tmp_path: pathlib.Path, **changes: str) -> subprocess.CompletedProcess:
    for name, text in {**TREE, **changes}.items():
        path = tmp_path / "tree" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "tree" / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return subprocess.run(  # noqa: S603 - our own tool on our own files
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path / "tree", capture_output=True,
        text=True, timeout=120, env={"PYTHONPATH": str(tmp_path / "tree"), "PATH": "/usr/bin:/bin"})


def test_contracts_pass_when_every_import_goes_down(tmp_path):
    result = lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_contracts_fail_when_a_core_module_imports_leads(tmp_path):
    result = lint(tmp_path, **{"coordination/core/web.py": "import leads.models\n"})
    assert result.returncode != 0
    assert "coordination.core.web -> leads.models" in result.stdout
    assert "BROKEN" in result.stdout


@pytest.mark.parametrize(("module", "text", "expected"), [
    ("coordination/core/web.py", "import coordination.metrics.funnel\n",
     "coordination.core.web -> coordination.metrics.funnel"),
    ("coordination/core/web.py", "import coordination.urls\n",
     "coordination.core.web -> coordination.urls"),
    ("leads/models.py", "import handoff.models\n", "leads.models -> handoff.models"),
    ("handoff/models.py", "import complaints.models\n", "handoff.models -> complaints.models"),
    ("complaints/models.py", "import meetings.models\n", "complaints.models -> meetings.models"),
    ("meetings/models.py", "import coordination.dashboards.views\n",
     "meetings.models -> coordination.dashboards.views"),
])
def test_contracts_fail_when_an_import_goes_up(tmp_path, module, text, expected):
    result = lint(tmp_path, **{module: text})
    assert result.returncode != 0
    assert expected in result.stdout


def test_the_real_tree_keeps_its_contracts():
    result = subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
