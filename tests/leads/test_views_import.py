"""The import page: upload and preview, confirm once, see the outcome; only for those who may
create leads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coordination.core.org.models import DepartmentKind, Role
from leads.models import ImportStatus, Lead, LeadImport
from leads.services.imports import lead_import_create
from tests.factories import LeadFactory, SourceFactory, UserFactory, member, rule_with_reps

pytestmark = pytest.mark.django_db

UPLOAD = reverse("leads_import:upload")

# Queries every signed-in page pays before the view runs: the session and the user.
SESSION_AND_USER = 2
# The base layout: the user's memberships (shared with the permission check) and the unread
# count.
LAYOUT = 2


@pytest.fixture
def source():
    return SourceFactory(name="Baidu")


@pytest.fixture
def importer(client):
    user = member(DepartmentKind.MARKETING)
    client.force_login(user)
    return user


def upload_file(text: str, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD_AND_BAD = ("姓名,手机,外部编号\n"
                "张三,13800138000,A1\n"
                "李四,12345,A2\n"
                "王五,13800138002,A3\n"
                "赵六,13800138003,A4\n")


def test_upload_preview_confirm_and_result(client, importer, source,
                                           django_capture_on_commit_callbacks):
    rep = member(DepartmentKind.SALES)
    rule_with_reps([rep])
    LeadFactory(source=source, external_id="A4")

    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert 'id="import-upload-form"' in page.content.decode()

    response = client.post(UPLOAD, {"source": source.pk, "file": upload_file(GOOD_AND_BAD)})
    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("leads_import:detail", args=[lead_import.pk])
    assert Lead.objects.count() == 1  # the preview wrote no lead

    preview = client.get(response.url).content.decode()
    assert 'data-count="valid">2<' in preview
    assert 'data-count="existing">1<' in preview
    assert 'data-count="errors">1<' in preview
    assert 'data-row="3" data-kind="error"' in preview
    assert "“12345” is not a valid phone number." in preview
    assert 'data-row="5" data-kind="existing"' in preview
    assert "Import 2 valid rows" in preview

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("leads_import:confirm", args=[lead_import.pk]))
    assert response.status_code == 302
    assert response.url == reverse("leads_import:detail", args=[lead_import.pk])

    result = client.get(response.url).content.decode()
    assert 'data-status="imported"' in result
    assert "2 leads created." in result
    assert "1 already existed and was skipped." in result
    created = Lead.objects.filter(external_id__in=["A1", "A3"])
    assert created.count() == 2
    assert {lead.owner for lead in created} == {rep}


def test_a_double_click_on_confirm_imports_once(client, importer, source):
    client.post(UPLOAD, {"source": source.pk, "file": upload_file(GOOD_AND_BAD)})
    lead_import = LeadImport.objects.get()
    url = reverse("leads_import:confirm", args=[lead_import.pk])

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == second.status_code == 302
    assert Lead.objects.count() == 3
    lead_import.refresh_from_db()
    assert lead_import.status == ImportStatus.IMPORTED
    assert lead_import.created_count == 3


def test_confirm_is_a_post(client, importer, source):
    lead_import = lead_import_create(source=source, file=upload_file(GOOD_AND_BAD),
                                     actor=importer)

    response = client.get(reverse("leads_import:confirm", args=[lead_import.pk]))

    assert response.status_code == 405
    assert Lead.objects.count() == 0


def test_cancel_drops_the_preview(client, importer, source):
    lead_import = lead_import_create(source=source, file=upload_file(GOOD_AND_BAD),
                                     actor=importer)

    response = client.post(reverse("leads_import:cancel", args=[lead_import.pk]))

    assert response.status_code == 302 and response.url == UPLOAD
    lead_import.refresh_from_db()
    assert lead_import.status == ImportStatus.CANCELLED
    assert lead_import.rows == []
    page = client.get(reverse("leads_import:detail", args=[lead_import.pk])).content.decode()
    assert 'data-status="cancelled"' in page
    assert client.post(reverse("leads_import:confirm", args=[lead_import.pk])).status_code == 302
    assert Lead.objects.count() == 0


def test_a_file_that_cannot_be_used_shows_the_error_on_the_form(client, importer, source):
    response = client.post(UPLOAD, {"source": source.pk,
                                    "file": upload_file("客户,电话\n张三,13800138000\n")})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="file"' in html
    assert "The file has no name column." in html
    assert LeadImport.objects.count() == 0


def test_an_inactive_source_cannot_be_chosen(client, importer):
    closed = SourceFactory(is_active=False)

    response = client.post(UPLOAD, {"source": closed.pk, "file": upload_file(GOOD_AND_BAD)})

    assert response.status_code == 200
    assert 'data-field-error="source"' in response.content.decode()


def test_the_problem_rows_download_as_csv(client, importer, source):
    lead_import = lead_import_create(source=source, file=upload_file(GOOD_AND_BAD),
                                     actor=importer)

    response = client.get(reverse("leads_import:problems", args=[lead_import.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Row,Column,Problem"
    assert text.splitlines()[1].startswith("3,手机,")


def test_the_template_downloads_with_chinese_headers(client, importer):
    response = client.get(reverse("leads_import:template"))

    assert response.content.decode("utf-8-sig").startswith("姓名,手机,邮箱")


# Who may import -------------------------------------------------------------------------------


def test_a_sales_rep_may_not_import(client, source):
    rep = member(DepartmentKind.SALES)
    client.force_login(rep)
    lead_import = lead_import_create(source=source, file=upload_file(GOOD_AND_BAD),
                                     actor=member(DepartmentKind.MARKETING))

    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"source": source.pk,
                                "file": upload_file(GOOD_AND_BAD)}).status_code == 403
    assert client.get(reverse("leads_import:detail", args=[lead_import.pk])).status_code == 403
    assert client.post(reverse("leads_import:confirm",
                               args=[lead_import.pk])).status_code == 403
    assert client.get(reverse("leads_import:template")).status_code == 403
    assert Lead.objects.count() == 0
    assert LeadImport.objects.count() == 1


def test_a_sales_head_may_import(client, source):
    client.force_login(member(DepartmentKind.SALES, Role.HEAD))

    assert client.get(UPLOAD).status_code == 200


def test_someone_signed_out_is_sent_to_log_in(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_only_the_uploader_confirms_a_preview(client, importer, source):
    colleague = member(DepartmentKind.MARKETING)
    lead_import = lead_import_create(source=source, file=upload_file(GOOD_AND_BAD),
                                     actor=colleague)

    page = client.get(reverse("leads_import:detail", args=[lead_import.pk])).content.decode()
    response = client.post(reverse("leads_import:confirm", args=[lead_import.pk]))

    assert 'id="import-confirm"' not in page
    assert response.status_code == 403
    assert Lead.objects.count() == 0


# Query counts ---------------------------------------------------------------------------------


def _imports(count: int, source, user) -> None:
    for number in range(count):
        LeadImport.objects.create(source=source, file_name=f"file{number}.csv", created_by=user,
                                  row_count=3, valid_count=3, status=ImportStatus.IMPORTED,
                                  created_count=3)


@pytest.mark.parametrize("count", [1, 8])
def test_upload_page_history_costs_the_same_queries_however_many_imports(
        client, importer, count, django_assert_num_queries):
    for number in range(count):
        _imports(1, SourceFactory(), UserFactory(username=f"uploader{number}"))

    # The sources for the form and the recent imports with their sources and uploaders.
    with django_assert_num_queries(SESSION_AND_USER + LAYOUT + 2):
        response = client.get(UPLOAD)

    assert response.content.decode().count("data-import=") == count


def test_upload_page_lists_the_ten_latest_imports(client, importer, source):
    _imports(12, source, importer)

    html = client.get(UPLOAD).content.decode()

    assert html.count("data-import=") == 10
    assert "file11.csv" in html and "file1.csv" not in html
