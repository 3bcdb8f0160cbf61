"""Every user-facing string is translated into Simplified Chinese, and the compiled catalogue
matches the source catalogue."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags."""
    entries, current, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current and "msgid" in current.get("_raw", {}):
                entries.append(current)
            current, key = None, None
            continue
        current = current or {"flags": "", "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            current.setdefault("_raw", {}).setdefault(key, []).append(match.group(3))
        elif line.startswith('"') and key:
            current["_raw"][key].append(line)
    for entry in entries:
        raw = entry.pop("_raw")
        entry["msgid"] = _unquote(raw["msgid"])
        entry["msgctxt"] = _unquote(raw["msgctxt"]) if "msgctxt" in raw else None
        entry["msgid_plural"] = _unquote(raw["msgid_plural"]) if "msgid_plural" in raw else None
        entry["msgstr"] = {k: _unquote(v) for k, v in raw.items() if k.startswith("msgstr")}
    return [entry for entry in entries if entry["msgid"]]


def test_every_string_has_a_chinese_translation_and_none_is_fuzzy():
    entries = po_entries(PO)
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries
                    if not all(value.strip() for value in e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source():
    entries = [e for e in po_entries(PO) if e["msgid_plural"] is None and e["msgctxt"] is None]
    with translation.override("zh-hans"):
        stale = [e["msgid"] for e in entries
                 if translation.gettext(e["msgid"]) != e["msgstr"]["msgstr"]]
    assert stale == [], "run `make messages` to recompile django.mo"


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="needs GNU gettext (xgettext) to collect strings; CI has it")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    # makemessages writes beside the sources it reads, so it runs on a copy of them.
    copy = tmp_path / "tree"
    copy.mkdir()
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy(ROOT / name, copy / name)
    for name in ("coordination", "leads", "handoff", "complaints", "meetings", "templates",
                 "static", "locale"):
        shutil.copytree(ROOT / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy, capture_output=True, text=True, timeout=300,
        env={**env, "TANDEM_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    collected = {(e["msgctxt"], e["msgid"]) for e in po_entries(
        copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    known = {(e["msgctxt"], e["msgid"]) for e in po_entries(PO)}
    assert sorted(collected - known, key=str) == []


def test_chinese_pages_group_amounts_by_thousands():
    from decimal import Decimal

    from django.template.defaultfilters import floatformat

    with translation.override("zh-hans"):
        assert floatformat(Decimal("1677000"), "2g") == "1,677,000.00"
