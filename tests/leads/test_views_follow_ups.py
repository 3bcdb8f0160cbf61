"""The follow-up search and its CSV and Excel exports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coordination.core.org.models import DepartmentKind, Role
from leads.models import FollowUp, LeadStatus
from tests.factories import DepartmentFactory, LeadFactory, SourceFactory, UserFactory, member

pytestmark = pytest.mark.django_db

SESSION_AND_USER = 2
LAYOUT = 2


def _follow_up(author, *, lead=None, days_ago: int = 0, **fields) -> FollowUp:
    """A follow-up written directly, `days_ago` days back (created_at is auto_now_add)."""
    lead = lead or LeadFactory(owner=author, status=LeadStatus.CONTACTED)
    fields.setdefault("channel", "call")
    fields.setdefault("outcome", "reached")
    follow_up = FollowUp.objects.create(lead=lead, author=author, **fields)
    if days_ago:
        FollowUp.objects.filter(pk=follow_up.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago))
        follow_up.refresh_from_db()
    return follow_up


def _people():
    department = DepartmentFactory(kind=DepartmentKind.SALES)
    return {
        "head": member(department=department, role=Role.HEAD),
        "rep": member(department=department, user=UserFactory(full_name="王芳")),
        "other": member(department=department, user=UserFactory(full_name="李雷")),
        "marketing": member(DepartmentKind.MARKETING),
    }


def _shown(client, **params) -> list[int]:
    response = client.get(reverse("leads:follow_ups"), params)
    assert response.status_code == 200
    return [follow_up.pk for follow_up in response.context["page"].object_list]


def test_follow_up_search_by_rep_dates_and_content(client):
    people = _people()
    recent = _follow_up(people["rep"], notes="Asked for the price list", next_step="Send offer")
    old = _follow_up(people["rep"], days_ago=10, notes="First call")
    theirs = _follow_up(people["other"], days_ago=1, next_step="Visit the factory")
    client.force_login(people["head"])

    assert _shown(client) == [recent.pk, theirs.pk, old.pk]
    assert _shown(client, rep=people["other"].pk) == [theirs.pk]
    today = timezone.localdate()
    assert _shown(client, date_from=(today - datetime.timedelta(days=2)).isoformat()) == [
        recent.pk, theirs.pk]
    assert _shown(client, date_to=(today - datetime.timedelta(days=5)).isoformat()) == [old.pk]
    assert _shown(client, q="PRICE") == [recent.pk]
    assert _shown(client, q="factory") == [theirs.pk]

    html = client.get(reverse("leads:follow_ups")).content.decode()
    assert 'id="notes-column"' in html and "Asked for the price list" in html
    assert "at most 50,000" in html


def test_follow_up_search_shows_an_end_before_the_start_as_an_error(client):
    people = _people()
    mine = _follow_up(people["rep"])
    _follow_up(people["other"])
    client.force_login(people["head"])
    today = timezone.localdate()
    response = client.get(reverse("leads:follow_ups"), {
        "rep": people["rep"].pk, "date_from": today.isoformat(),
        "date_to": (today - datetime.timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.content.decode()
    # The valid filters still apply.
    assert [row.pk for row in response.context["page"].object_list] == [mine.pk]


def test_a_rep_finds_only_their_own_follow_ups(client):
    people = _people()
    mine = _follow_up(people["rep"])
    _follow_up(people["other"])
    client.force_login(people["rep"])
    assert _shown(client) == [mine.pk]


def test_marketing_sees_follow_ups_without_notes_and_cannot_search_them(client):
    people = _people()
    _follow_up(people["rep"], notes="Secret price talk", next_step="Call back")
    client.force_login(people["marketing"])

    html = client.get(reverse("leads:follow_ups")).content.decode()
    assert "Call back" in html
    assert "Secret price talk" not in html
    assert 'id="notes-column"' not in html
    assert "Notes are not shown to you and are not exported." in html
    # Searching the notes would reveal them word by word.
    assert _shown(client, q="secret") == []

    rows = list(csv.reader(io.StringIO(
        b"".join(client.get(reverse("leads:follow_ups_csv")).streaming_content)
        .decode("utf-8-sig"))))
    assert "Notes" not in rows[0]
    assert "Secret price talk" not in str(rows)


def test_follow_up_search_is_refused_outside_sales_marketing_and_executives(client):
    client.force_login(member(DepartmentKind.LEGAL))
    assert client.get(reverse("leads:follow_ups")).status_code == 403
    assert client.get(reverse("leads:follow_ups_csv")).status_code == 403
    assert client.get(reverse("leads:follow_ups_xlsx")).status_code == 403
    client.force_login(member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE))
    assert client.get(reverse("leads:follow_ups")).status_code == 200


def test_csv_export_holds_the_filtered_follow_ups_with_translated_headers(client):
    people = _people()
    source = SourceFactory(name="Trade fair")
    lead = LeadFactory(owner=people["rep"], status=LeadStatus.CONTACTED, name="陈先生",
                       source=source)
    due = timezone.now() + datetime.timedelta(days=2)
    _follow_up(people["rep"], lead=lead, channel="wechat", outcome="interested",
               notes="=HYPERLINK(\"http://evil\")", next_step="Demo", next_step_at=due)
    _follow_up(people["other"], next_step="Not this one")
    client.force_login(people["head"])

    response = client.get(reverse("leads:follow_ups_csv"), {"rep": people["rep"].pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="follow-ups-')
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0] == ["When", "Lead ID", "Lead", "Source", "Rep", "Channel", "Outcome", "Notes",
                       "Next step", "Next step due"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Lead"] == "陈先生" and row["Lead ID"] == str(lead.pk)
    assert row["Source"] == "Trade fair" and row["Rep"] == "王芳"
    assert row["Channel"] == "WeChat" and row["Outcome"] == "Interested"
    # A note that looks like a formula stays text in the spreadsheet.
    assert row["Notes"] == "'=HYPERLINK(\"http://evil\")"
    assert row["Next step due"] == timezone.localtime(due).strftime("%Y-%m-%d %H:%M")


def test_xlsx_export_is_a_workbook_openpyxl_reads(client):
    people = _people()
    lead = LeadFactory(owner=people["rep"], status=LeadStatus.CONTACTED, name="陈先生")
    _follow_up(people["rep"], lead=lead, notes="=1+1", next_step="Demo")
    _follow_up(people["rep"], days_ago=3, notes="Older")
    client.force_login(people["head"])

    response = client.get(reverse("leads:follow_ups_xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("When", "Lead ID", "Lead")
    assert len(rows) == 3
    assert rows[1][2] == "陈先生"
    assert isinstance(rows[1][0], datetime.datetime)
    assert sheet.cell(row=2, column=8).value == "=1+1"
    assert sheet.cell(row=2, column=8).data_type == "s"
    assert rows[2][7] == "Older"


def test_exports_stop_at_the_limit(client, monkeypatch):
    people = _people()
    for _ in range(4):
        _follow_up(people["rep"])
    monkeypatch.setattr("leads.views.follow_ups.EXPORT_LIMIT", 3)
    client.force_login(people["head"])

    content = b"".join(client.get(reverse("leads:follow_ups_csv")).streaming_content)
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 1 + 3
    sheet = load_workbook(io.BytesIO(client.get(reverse("leads:follow_ups_xlsx")).content)).active
    assert sheet.max_row == 1 + 3
    html = client.get(reverse("leads:follow_ups")).content.decode()
    assert 'export-note--warning' in html and "the newest 3 only" in html


@pytest.mark.parametrize("size", [3, 20])
def test_follow_ups_page_query_count_does_not_grow_with_the_rows(
    client, django_assert_num_queries, size
):
    people = _people()
    for number in range(size):
        _follow_up(people["rep"] if number % 2 else people["other"])
    client.force_login(people["head"])

    # The page's count, its rows (with lead, source and rep), the reps of the filter.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 3):
        response = client.get(reverse("leads:follow_ups"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [3, 20])
def test_csv_export_query_count_does_not_grow_with_the_rows(
    client, django_assert_num_queries, size
):
    people = _people()
    for _ in range(size):
        _follow_up(people["rep"])
    client.force_login(people["head"])

    # The memberships (for the permission), then one read of the rows, in chunks far larger
    # than this.
    with django_assert_num_queries(SESSION_AND_USER + 2):
        response = client.get(reverse("leads:follow_ups_csv"))
        content = b"".join(response.streaming_content)
    assert content.count(b"\n") == size + 1
