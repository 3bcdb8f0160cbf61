"""File import: CSV and Excel files read into intake records, previewed row by row without
writing anything, then imported all at once or not at all."""

import codecs
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.models import DepartmentKind
from leads.models import ImportStatus, Lead, LeadImport
from leads.services import BULK_LIMIT, imports
from leads.services.imports import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    import_commit,
    import_preview,
    lead_import_cancel,
    lead_import_confirm,
    lead_import_create,
)
from tests.factories import CampaignFactory, LeadFactory, SourceFactory, member, rule_with_reps

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return SourceFactory(name="Baidu")


@pytest.fixture
def importer():
    return member(DepartmentKind.MARKETING)


def csv_file(text: str, *, encoding: str = "utf-8", name: str = "leads.csv",
             bom: bool = False) -> SimpleUploadedFile:
    data = text.encode(encoding)
    return SimpleUploadedFile(name, (codecs.BOM_UTF8 if bom else b"") + data)


def xlsx_file(rows: list[list], name: str = "leads.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["not read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def errors_of(preview) -> list[tuple[int, str, str]]:
    return [(error["row"], error["field"], error["code"]) for error in preview.errors]


# Reading files --------------------------------------------------------------------------------


def test_csv_saved_by_chinese_excel_in_gb18030_with_chinese_headers(source):
    text = ("姓名,手机,邮箱,微信,公司,地区,意向产品,外部编号,备注\r\n"
            "张三,138 0013 8000,ZHANG@Example.com,,上海某某科技有限公司,上海,企业版,B-1,"
            "老客户介绍\r\n")
    file = csv_file(text, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        file.read().decode("utf-8")  # really not UTF-8

    preview = import_preview(source=source, file=file)

    assert preview.errors == []
    assert preview.total_rows == 1
    [row] = preview.rows
    assert row["row"] == 2
    assert row["data"] | {"attributes": None} == {
        "name": "张三", "phone": "+8613800138000", "email": "zhang@example.com",
        "wechat_id": "", "company": "上海某某科技有限公司", "region": "上海",
        "product_interest": "企业版", "external_id": "B-1", "campaign": None,
        "attributes": None,
    }
    assert row["data"]["attributes"] == {"备注": "老客户介绍"}
    assert preview.extra_columns == ["备注"]
    assert ["手机", "phone"] in preview.columns


def test_csv_in_utf8_with_a_bom_and_english_headers(source):
    text = "Name,Phone,E-mail,WeChat,Company,External ID\nLi Lei,13800138001,,,ACME,x1\n"

    preview = import_preview(source=source, file=csv_file(text, bom=True))

    assert errors_of(preview) == []
    assert preview.rows[0]["data"]["name"] == "Li Lei"
    assert preview.rows[0]["data"]["external_id"] == "x1"


def test_headers_with_remarks_and_a_second_phone_column(source):
    # 手机 empty, 电话 filled: the first non-empty column of a field is used.
    text = "*姓名(必填),手机,电话\n王五,,021-62345678\n赵六,13800138002,13900139000\n"

    preview = import_preview(source=source, file=csv_file(text))

    assert errors_of(preview) == []
    assert preview.rows[0]["data"]["phone"] == "+862162345678"
    assert preview.rows[1]["data"]["phone"] == "+8613800138002"
    assert preview.rows[1]["data"]["attributes"] == {"电话": "13900139000"}


def test_tab_separated_text_is_read(source):
    text = "姓名\t手机\n张三\t13800138000\n"

    preview = import_preview(source=source, file=csv_file(text, name="leads.txt"))

    assert preview.rows[0]["data"]["phone"] == "+8613800138000"


def test_excel_workbook_first_sheet_with_numbers_and_dates(source):
    file = xlsx_file([
        ["姓名", "手机", "外部编号", "报名日期", "意向产品"],
        ["张三", 13800138000, 1001, datetime.date(2025, 3, 1), "标准版"],
        [None, None, None, None, None],
        ["李四", 13800138001.0, 1002, None, None],
    ])

    preview = import_preview(source=source, file=file)

    assert errors_of(preview) == []
    assert [row["row"] for row in preview.rows] == [2, 4]  # the empty row still counts
    first, second = (row["data"] for row in preview.rows)
    assert first["phone"] == "+8613800138000"
    assert first["external_id"] == "1001"
    assert first["attributes"] == {"报名日期": "2025-03-01"}
    assert first["product_interest"] == "标准版"
    assert second["phone"] == "+8613800138001"
    assert second["external_id"] == "1002"


def test_formatted_empty_cells_far_to_the_right_are_ignored(source):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机"])
    sheet.append(["张三", "13800138000"])
    sheet.cell(row=1, column=500).number_format = "0.00"  # formatted, never filled
    buffer = io.BytesIO()
    workbook.save(buffer)

    preview = import_preview(source=source, file=SimpleUploadedFile("wide.xlsx",
                                                                    buffer.getvalue()))

    assert errors_of(preview) == []
    assert preview.rows[0]["data"]["attributes"] == {}


def test_a_file_with_too_many_columns_is_refused(source):
    header = ",".join(["姓名"] + [f"c{n}" for n in range(imports.MAX_COLUMNS)])

    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=csv_file(header + "\n张三\n"))

    assert caught.value.code == "too_many_columns"


def test_campaign_column_takes_the_id_or_name_of_a_campaign_of_the_source(source):
    spring = CampaignFactory(source=source, name="春季展会")
    autumn = CampaignFactory(source=source, name="Autumn")
    elsewhere = CampaignFactory(name="Elsewhere")
    text = ("姓名,手机,活动\n"
            f"甲,13800138000,春季展会\n"
            f"乙,13800138001,{autumn.pk}\n"
            f"丙,13800138002,{elsewhere.pk}\n"
            "丁,13800138003,No such campaign\n")

    preview = import_preview(source=source, file=csv_file(text))

    assert [row["data"]["campaign"] for row in preview.rows] == [spring.pk, autumn.pk]
    assert errors_of(preview) == [(4, "campaign", "unknown_campaign"),
                                  (5, "campaign", "unknown_campaign")]
    assert preview.errors[0]["column"] == "活动"


# Row problems ---------------------------------------------------------------------------------


def test_row_errors_name_the_row_the_column_and_the_problem(source):
    text = ("姓名,手机,邮箱\n"
            "张三,13800138000,\n"         # row 2: fine
            "李四,12345,\n"               # row 3: bad phone
            ",13800138001,\n"             # row 4: no name
            "\n"                          # row 5: empty, skipped
            "王五,,\n"                    # row 6: no contact at all
            "赵六,,not-an-email\n")       # row 7: bad e-mail

    preview = import_preview(source=source, file=csv_file(text))

    assert preview.total_rows == 5
    assert preview.valid_count == 1
    assert errors_of(preview) == [
        (3, "phone", "invalid_phone"), (4, "name", "required"), (6, "phone", "no_contact"),
        (7, "email", "invalid_email"),
    ]
    bad_phone = preview.errors[0]
    assert bad_phone["column"] == "手机"
    assert "12345" in bad_phone["message"]


def test_preview_writes_nothing(source, django_assert_num_queries):
    LeadFactory(source=source, external_id="A1")
    before = Lead.objects.count()
    text = "姓名,手机,外部编号\n张三,13800138000,A1\n李四,13800138001,A2\n"

    # The source's campaigns and the existing external IDs: two reads, however many rows.
    with django_assert_num_queries(2):
        preview = import_preview(source=source, file=csv_file(text))

    assert preview.valid_count == 1
    assert Lead.objects.count() == before
    assert LeadImport.objects.count() == 0


def test_existing_external_id_is_reported_and_not_created_again(source, importer):
    existing = LeadFactory(source=source, external_id="A1")
    LeadFactory(external_id="A2")  # another source's A2 is another lead
    text = "姓名,手机,外部编号\n张三,13800138000,A1\n李四,13800138001,A2\n"

    preview = import_preview(source=source, file=csv_file(text))
    result = import_commit(source=source, rows=preview.rows, actor=importer)

    assert preview.existing == [{"row": 2, "external_id": "A1", "column": "外部编号",
                                 "lead_id": existing.pk}]
    assert [row["row"] for row in preview.rows] == [3]
    assert result.created == 1
    assert Lead.objects.filter(source=source, external_id="A1").count() == 1
    assert Lead.objects.filter(source=source, external_id="A2").count() == 1


def test_an_external_id_repeated_in_the_file_is_an_error_on_the_later_row(source):
    text = "姓名,手机,外部编号\n张三,13800138000,A1\n李四,13800138001,B1\n王五,13800138002,A1\n"

    preview = import_preview(source=source, file=csv_file(text))

    assert [row["row"] for row in preview.rows] == [2, 3]
    assert errors_of(preview) == [(4, "external_id", "repeated_in_file")]
    assert "row 2" in preview.errors[0]["message"]


def test_same_phone_twice_in_the_file_is_imported_and_linked_as_duplicate(source, importer):
    text = "姓名,手机\n张三,13800138000\n张三 (二次报名),138-0013-8000\n"

    preview = import_preview(source=source, file=csv_file(text))
    import_commit(source=source, rows=preview.rows, actor=importer)

    assert preview.duplicates == [{"row": 3, "of_row": 2, "field": "phone", "column": "手机"}]
    original = Lead.objects.get(name="张三")
    again = Lead.objects.get(name="张三 (二次报名)")
    assert again.duplicate_of == original
    assert original.duplicate_of is None


# Whole-file problems and limits ---------------------------------------------------------------


@pytest.mark.parametrize(("content", "name", "code"), [
    (b"", "leads.csv", "empty_file"),
    (b"  \r\n\r\n", "leads.csv", "empty_file"),
    ("姓名,手机\n".encode(), "leads.csv", "no_rows"),
    ("客户,手机\n张三,13800138000\n".encode(), "leads.csv", "no_name_column"),
    (b"PK\x03\x04 not really a workbook", "leads.xlsx", "unreadable_file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "leads.xls", "unsupported_format"),
    (bytes([0x80, 0xff, 0x81]) * 20, "leads.csv", "unreadable_encoding"),
])
def test_a_file_that_cannot_be_used_is_refused_with_a_clear_error(source, content, name, code):
    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=SimpleUploadedFile(name, content))

    assert caught.value.code == code
    assert caught.value.field == "file"


def test_no_name_column_error_lists_the_columns_found(source):
    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=csv_file("客户,手机\n张三,13800138000\n"))

    assert "“客户”" in caught.value.message and "姓名" in caught.value.message


def test_a_file_over_the_size_limit_is_refused(source):
    content = "姓名,手机\n".encode() + b"x" * MAX_FILE_BYTES

    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=SimpleUploadedFile("big.csv", content))

    assert caught.value.code == "file_too_large"
    assert "5 MB" in caught.value.message


def test_a_file_over_the_row_limit_is_refused(source):
    rows = "".join(f"客户{n},13800138000\n" for n in range(MAX_ROWS + 1))

    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=csv_file("姓名,手机\n" + rows))

    assert caught.value.code == "too_many_rows"
    assert "10,000" in caught.value.message


def test_a_workbook_over_the_row_limit_is_refused(source, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    file = xlsx_file([["姓名", "手机"]] + [[f"客户{n}", 13800138000 + n] for n in range(4)])

    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=file)

    assert caught.value.code == "too_many_rows"


def test_an_inactive_source_is_refused(source):
    source.is_active = False
    source.save()

    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=csv_file("姓名,手机\n张三,13800138000\n"))

    assert caught.value.field == "source"


# Importing ------------------------------------------------------------------------------------


def _valid_rows_text(count: int, *, start: int = 0) -> str:
    return "姓名,手机,外部编号\n" + "".join(
        f"客户{n},+861380000{n:04d},E{n}\n" for n in range(start, start + count))


def test_commit_creates_every_valid_row_and_assigns_them_after_commit(
        source, importer, django_capture_on_commit_callbacks):
    rep = member(DepartmentKind.SALES)
    rule_with_reps([rep])
    preview = import_preview(source=source, file=csv_file(_valid_rows_text(3) + "坏,123\n"))

    with django_capture_on_commit_callbacks(execute=True):
        result = import_commit(source=source, rows=preview.rows, actor=importer)
        # Assignment waits for the commit: nothing is assigned inside the transaction.
        assert not Lead.objects.filter(owner__isnull=False).exists()

    assert result.created == 3
    leads = Lead.objects.filter(source=source)
    assert leads.count() == 3
    assert {lead.owner for lead in leads} == {rep}
    assert {lead.created_by for lead in leads} == {importer}
    assert AuditEvent.objects.filter(verb="lead.created").count() == 3


def test_a_file_of_more_rows_than_one_intake_call_takes_imports_every_row(source, importer):
    # Intake refuses more than BULK_LIMIT records in one call (see test_services_intake).
    count = BULK_LIMIT + 5
    preview = import_preview(source=source, file=csv_file(_valid_rows_text(count)))
    assert preview.valid_count == count

    result = import_commit(source=source, rows=preview.rows, actor=importer)

    assert result.created == count
    leads = Lead.objects.filter(source=source)
    assert sorted(result.lead_ids) == sorted(leads.values_list("pk", flat=True))
    assert dict(leads.values_list("external_id", "name")) == {
        f"E{n}": f"客户{n}" for n in range(count)}
    assert AuditEvent.objects.filter(verb="lead.created").count() == count


def test_duplicates_in_other_chunks_are_linked_to_the_lead_of_the_first_row(
        source, importer, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 3)
    # Rows 2-5 and 7 are firsts, written in two chunks; rows 6, 8, 9 and 10 repeat an earlier
    # row's phone or e-mail and are written after them, in two more chunks. Row 10 repeats the
    # e-mail of row 6, itself a repeat of row 2, in the chunk before its own.
    text = ("姓名,手机,邮箱\n"
            "甲,13900000001,\n"  # row 2
            "乙,13900000002,\n"
            "丙,13900000003,\n"
            "丁,13900000004,\n"  # row 5
            "甲二,139 0000 0001,jia@example.com\n"  # row 6: row 2's phone
            "戊,13900000005,\n"
            "丙二,13900000003,\n"  # row 8: row 4's phone
            "丁二,+86 139-0000-0004,\n"  # row 9: row 5's phone
            "甲三,,JIA@example.com\n")  # row 10: row 6's e-mail
    preview = import_preview(source=source, file=csv_file(text))
    assert [(d["row"], d["of_row"]) for d in preview.duplicates] == [
        (6, 2), (8, 4), (9, 5), (10, 6)]

    import_commit(source=source, rows=preview.rows, actor=importer)

    leads = {lead.name: lead for lead in Lead.objects.filter(source=source)}
    assert len(leads) == 9
    assert {name: lead.duplicate_of.name if lead.duplicate_of else None
            for name, lead in leads.items()} == {
        "甲": None, "乙": None, "丙": None, "丁": None, "戊": None,
        "甲二": "甲", "丙二": "丙", "丁二": "丁",
        "甲三": "甲",  # the original, not the duplicate whose e-mail it shares
    }


def test_the_queries_of_an_import_grow_with_its_chunks_not_its_rows(
        source, importer, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 4)

    def rows(count, start):
        text = _valid_rows_text(count, start=start)
        return import_preview(source=source, file=csv_file(text)).rows

    import_commit(source=source, rows=rows(1, start=9000), actor=importer)  # warms caches
    # The import's savepoint and its release, then per chunk: a savepoint, the external IDs
    # that exist, the duplicate window (settings), the leads sharing a phone or e-mail, the
    # insert in a savepoint of its own (3), the audit events, the release.
    for count, chunks in [(1, 1), (4, 1), (5, 2), (8, 2), (12, 3)]:
        file_rows = rows(count, start=count * 100)
        with django_assert_num_queries(2 + 9 * chunks):
            result = import_commit(source=source, rows=file_rows, actor=importer)
        assert result.created == count


def test_a_failure_in_a_later_chunk_leaves_no_lead_at_all(source, importer, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    real = imports.lead_bulk_create
    calls = []

    def failing_after_the_first_chunk(**kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(imports, "lead_bulk_create", failing_after_the_first_chunk)
    lead_import = lead_import_create(source=source, file=csv_file(_valid_rows_text(5)),
                                     actor=importer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            lead_import_confirm(lead_import=lead_import, actor=importer)

    assert len(calls) == 2
    assert Lead.objects.count() == 0
    assert callbacks == []  # no assignment scheduled for leads that do not exist
    lead_import.refresh_from_db()
    assert lead_import.status == ImportStatus.PREVIEWED
    assert len(lead_import.rows) == 5  # still there to try again


def test_a_row_that_no_longer_passes_intake_aborts_the_whole_import(source, importer):
    campaign = CampaignFactory(source=source, name="Gone")
    text = "姓名,手机,活动\n甲,13800138000,\n乙,13800138001,Gone\n"
    preview = import_preview(source=source, file=csv_file(text))
    campaign.delete()

    with pytest.raises(ApplicationError) as caught:
        import_commit(source=source, rows=preview.rows, actor=importer)

    assert "Row 3" in caught.value.message
    assert Lead.objects.count() == 0


# Keeping a preview until it is confirmed ------------------------------------------------------


def test_confirming_twice_imports_once(source, importer):
    lead_import = lead_import_create(source=source, file=csv_file(_valid_rows_text(2)),
                                     actor=importer)

    first = lead_import_confirm(lead_import=lead_import, actor=importer)
    second = lead_import_confirm(lead_import=lead_import, actor=importer)

    assert Lead.objects.count() == 2
    assert first.status == second.status == ImportStatus.IMPORTED
    assert second.created_count == 2
    assert second.rows == []
    assert AuditEvent.objects.filter(verb="lead_import.imported").count() == 1


def test_the_preview_is_kept_with_its_counts_and_problems(source, importer):
    LeadFactory(source=source, external_id="E0")
    text = _valid_rows_text(3) + "坏,123,\n"

    lead_import = lead_import_create(source=source, file=csv_file(text, name="march.csv"),
                                     actor=importer)

    assert Lead.objects.count() == 1
    assert (lead_import.file_name, lead_import.row_count, lead_import.valid_count,
            lead_import.existing_count, lead_import.error_count) == ("march.csv", 4, 2, 1, 1)
    assert [(p["row"], p["kind"]) for p in lead_import.problems] == [(2, "existing"),
                                                                    (5, "error")]

    done = lead_import_confirm(lead_import=lead_import, actor=importer)

    assert (done.created_count, done.existing_count) == (2, 1)


def test_a_cancelled_import_cannot_be_confirmed(source, importer):
    lead_import = lead_import_create(source=source, file=csv_file(_valid_rows_text(2)),
                                     actor=importer)

    lead_import_cancel(lead_import=lead_import, actor=importer)

    with pytest.raises(ApplicationError) as caught:
        lead_import_confirm(lead_import=lead_import, actor=importer)
    assert caught.value.code == "import_cancelled"
    assert Lead.objects.count() == 0


def test_only_the_uploader_may_confirm(source, importer):
    colleague = member(DepartmentKind.MARKETING)
    lead_import = lead_import_create(source=source, file=csv_file(_valid_rows_text(2)),
                                     actor=importer)

    with pytest.raises(PermissionDenied):
        lead_import_confirm(lead_import=lead_import, actor=colleague)
    assert Lead.objects.count() == 0


def test_unconfirmed_previews_expire_and_drop_their_rows():
    import datetime as _dt

    from django.utils import timezone as _tz

    from leads.models import ImportStatus, LeadImport
    from leads.services import lead_imports_expire
    from tests.factories import SourceFactory

    source = SourceFactory()
    stale = LeadImport.objects.create(source=source, file_name="old.csv",
                                      rows=[{"name": "x", "phone": "13800138000"}])
    fresh = LeadImport.objects.create(source=source, file_name="new.csv",
                                      rows=[{"name": "y", "phone": "13800138001"}])
    LeadImport.objects.filter(pk=stale.pk).update(
        created_at=_tz.now() - _dt.timedelta(days=3))
    assert lead_imports_expire() == 1
    assert lead_imports_expire() == 0
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == ImportStatus.CANCELLED and stale.rows == []
    assert fresh.status == ImportStatus.PREVIEWED and fresh.rows
