"""Reading an uploaded file stays bounded whatever the file claims: a sheet is read up to its
real last cell, never up to the dimension it declares, and a file past a limit is refused with
a message saying which limit and what to do, before much of it has been read.

The work done is counted (the rows and cells the reader takes from openpyxl), never timed."""

import io
import re
import struct
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from coordination.core.errors import ApplicationError
from leads.services import imports
from leads.services.imports import import_preview
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.fixture
def source():
    return SourceFactory(name="Baidu")


@dataclass
class Touched:
    rows: int = 0
    cells: int = 0


# Far more than any test here needs, and far less than the million rows the old reader padded
# out: past it the counter stops the sheet short, so a reader that walks the declared dimension
# fails on the counts below instead of taking a worker for half a minute.
RUNAWAY = 100_000


@pytest.fixture
def touched(monkeypatch) -> Touched:
    """Counts the rows and cells openpyxl hands the reader."""
    counts = Touched()
    original = ReadOnlyWorksheet.iter_rows

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            counts.rows += 1
            counts.cells += len(row)
            if counts.cells > RUNAWAY:
                return
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", counting)
    return counts


def workbook_bytes(rows: list[list], *, cells: dict[tuple[int, int], object] | None = None,
                   formatted: list[tuple[int, int]] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for (row, column), value in (cells or {}).items():
        sheet.cell(row=row, column=column, value=value)
    for row, column in formatted:
        sheet.cell(row=row, column=column).number_format = "0.00"  # formatted, never filled
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_part(data: bytes, name: str, edit) -> bytes:
    """The workbook with one part of its zip rewritten by `edit(bytes) -> bytes`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info in original.infolist():
            body = original.read(info.filename)
            rewritten.writestr(info.filename, edit(body) if info.filename == name else body)
    return out.getvalue()


def declaring(data: bytes, dimension: str) -> bytes:
    return with_part(data, SHEET, lambda xml: re.sub(
        rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>'.encode(), xml))


def upload(data: bytes, name: str = "leads.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refused(source, data: bytes, name: str = "leads.xlsx") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        import_preview(source=source, file=upload(data, name))
    assert caught.value.field == "file"
    return caught.value


LEADS = [["姓名", "手机"], ["张三", "13800138000"], ["李四", "13800138001"]]


# The declared dimension is not trusted --------------------------------------------------------


def test_a_sheet_declaring_a_huge_dimension_is_read_up_to_its_real_last_cell(source, touched):
    # 1.5 KB on disk; the old reader padded every one of its million declared rows to 200 cells.
    data = declaring(workbook_bytes(LEADS), "A1:GR1048576")
    assert len(data) < 10_000

    preview = import_preview(source=source, file=upload(data))

    assert [row["data"]["name"] for row in preview.rows] == ["张三", "李四"]
    assert preview.errors == []
    assert touched.rows == 3  # the header and two leads, nothing below
    assert touched.cells <= 3 * 2


def test_a_sheet_understating_its_dimension_is_read_in_full(source, touched):
    rows = LEADS + [["王五", "13800138002"], ["赵六", "13800138003"]]
    data = declaring(workbook_bytes(rows), "A1:A1")

    preview = import_preview(source=source, file=upload(data))

    assert [row["data"]["phone"] for row in preview.rows] == [
        "+8613800138000", "+8613800138001", "+8613800138002", "+8613800138003"]
    assert touched.rows == 5


def test_formatted_empty_cells_down_to_the_last_row_are_not_walked(source, touched):
    data = workbook_bytes(LEADS, formatted=[(1_048_576, 1), (1_048_576, 16_384)])

    preview = import_preview(source=source, file=upload(data))

    assert preview.total_rows == 2
    assert touched.rows == 3
    assert touched.cells <= 3 * 2


def test_blank_rows_between_leads_keep_their_row_numbers(source, touched):
    data = workbook_bytes(LEADS, cells={(900, 1): "王五", (900, 2): "13800138002"})

    preview = import_preview(source=source, file=upload(data))

    assert [row["row"] for row in preview.rows] == [2, 3, 900]
    assert touched.rows == 900
    assert touched.cells <= 900 * 2


def test_the_issue_file_with_one_cell_in_the_last_row_is_refused_without_walking_the_sheet(
        source, touched):
    # The file of the issue: 1.5 KB declaring A1:GR1048576, with one cell in its last row. The old
    # reader padded a million rows to 200 cells each (25 s and 1.9 GB of a web worker).
    data = declaring(workbook_bytes(LEADS, cells={(1_048_576, 1): "x"}), "A1:GR1048576")
    assert len(data) < 10_000

    try:
        import_preview(source=source, file=upload(data))
    except ApplicationError as caught:
        error = caught
    else:
        error = None

    assert touched.rows == 0  # refused from the scan of the sheet, before reading a row
    assert error is not None and error.field == "file"
    assert error.code == "rows_beyond_limit"
    assert "1,048,576" in error.message
    assert f"{imports.MAX_SHEET_ROWS:,}" in error.message


def test_a_stray_cell_in_the_last_cell_of_the_sheet_is_refused(source, touched):
    data = declaring(workbook_bytes(LEADS, cells={(1_048_576, 16_384): 0}), "A1:GR1048576")

    error = refused(source, data)

    assert error.code in {"rows_beyond_limit", "too_many_columns"}
    assert touched.rows == 0


def test_a_value_past_the_column_limit_is_refused(source, touched):
    data = workbook_bytes(LEADS, cells={(2, 16_384): "备注"})

    error = refused(source, data)

    assert error.code == "too_many_columns"
    assert str(imports.MAX_COLUMNS) in error.message
    assert touched.rows == 0


def test_a_workbook_over_the_row_limit_is_refused_before_its_rows_are_read(
        source, touched, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    data = workbook_bytes([["姓名", "手机"]] + [[f"客户{n}", 13800138000 + n] for n in range(4)])

    error = refused(source, data)

    assert error.code == "too_many_rows"
    assert touched.rows == 0


def test_rows_out_of_order_are_refused_not_skipped(source):
    # openpyxl silently skips a row numbered at or above one it has passed: a million copies of
    # row 1 would be parsed without the reader ever seeing one.
    repeated = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>' * 50
    data = with_part(workbook_bytes(LEADS), SHEET,
                     lambda xml: xml.replace(b"</sheetData>", repeated + b"</sheetData>"))

    assert refused(source, data).code == "unreadable_file"


# What the zip and its XML hold ----------------------------------------------------------------


def test_a_workbook_unpacking_past_the_limit_is_refused_before_openpyxl_reads_it(
        source, monkeypatch):
    monkeypatch.setattr(imports, "MAX_XLSX_UNPACKED_BYTES", 1024 * 1024)
    padding = b"<!--" + b" " * (2 * 1024 * 1024) + b"-->"
    data = with_part(workbook_bytes(LEADS), SHEET, lambda xml: xml + padding)
    assert len(data) < 20_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was handed a zip bomb")

    monkeypatch.setattr("openpyxl.load_workbook", never)

    error = refused(source, data)

    assert error.code == "workbook_too_complex"  # not "larger than 5 MB": it is 20 KB


def lying_about_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with the central directory declaring `size` unpacked bytes for `name`."""
    data = bytearray(data)
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, size)  # the uncompressed size
            return bytes(data)
        position += 4
    raise AssertionError(f"no {name} in the zip")


def test_a_part_lying_about_its_unpacked_size_is_not_unpacked_past_what_it_declares(source):
    # Ten megabytes of blank rows, declared as one kilobyte: zipfile stops at the declared size
    # and the check of the sum of declared sizes holds.
    rows = b'<row r="9"/>' * (10 * 1024 * 1024 // 12)
    data = with_part(workbook_bytes(LEADS), SHEET,
                     lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"))
    data = lying_about_size(data, SHEET, 1024)

    assert refused(source, data).code == "unreadable_file"


def test_a_row_of_too_many_cells_is_refused_before_openpyxl_builds_it(source, touched):
    # 300,000 cells in one row unpack to 5 MB; openpyxl would build the whole row (about 150 MB)
    # before the reader could drop the cells past the last column.
    cells = b"<c><v>1</v></c>" * 300_000
    data = with_part(workbook_bytes(LEADS), SHEET, lambda xml: xml.replace(
        b'<row r="2">', b'<row r="2">' + cells))

    error = refused(source, data)

    assert error.code == "workbook_too_complex"
    assert touched.rows == 0


@pytest.mark.parametrize("part", ["sheet", "styles"])
def test_a_part_of_too_many_elements_is_refused(source, part):
    if part == "sheet":
        merged = b'<mergeCell ref="A1:B2"/>' * (imports.MAX_XML_ELEMENTS + 1)
        data = with_part(workbook_bytes(LEADS), SHEET, lambda xml: xml.replace(
            b"</sheetData>", b"</sheetData><mergeCells>" + merged + b"</mergeCells>"))
    else:
        formats = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * (
            imports.MAX_XML_ELEMENTS + 1)
        data = with_part(workbook_bytes(LEADS), "xl/styles.xml", lambda xml: re.sub(
            rb"(<cellXfs[^>]*>)", lambda match: match.group(1) + formats, xml, count=1))

    assert refused(source, data).code == "workbook_too_complex"


@pytest.mark.parametrize("chunk", [256 * 1024, 1000])  # one tag across many chunks, or not
def test_a_tag_of_too_many_attributes_is_refused_before_it_is_parsed(source, monkeypatch, chunk):
    # Expat makes one dictionary of a tag's attributes before anything can count them.
    monkeypatch.setattr(imports, "_XML_CHUNK", chunk)
    attributes = b" ".join(b'a%d="1"' % n for n in range(imports.MAX_TAG_ATTRIBUTES + 1))
    data = with_part(workbook_bytes(LEADS), "xl/styles.xml",
                     lambda xml: xml.replace(b"<fonts", b"<fonts " + attributes, 1))

    assert refused(source, data).code == "workbook_too_complex"


def test_a_part_declaring_entities_is_refused(source):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    data = with_part(workbook_bytes(LEADS), SHEET, lambda xml: laughs + xml.replace(
        b"<t>13800138000</t>", b"<t>&b;</t>"))

    assert refused(source, data).code == "unreadable_file"


def test_a_picture_in_the_workbook_is_not_taken_for_xml(source):
    buffer = io.BytesIO(workbook_bytes(LEADS))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/media/image1.bmp", b"BM" + b"=" * 1_000_000)

    preview = import_preview(source=source, file=upload(buffer.getvalue()))

    assert preview.total_rows == 2


def test_a_workbook_of_too_many_elements_in_all_is_refused(source, monkeypatch, touched):
    # Each part within its limits, the whole too long to even check.
    monkeypatch.setattr(imports, "MAX_XLSX_ELEMENTS", 10_000)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(4, 4_000))
    data = with_part(workbook_bytes(LEADS), SHEET,
                     lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"))

    assert refused(source, data).code == "workbook_too_complex"
    assert touched.rows == 0


def shared_strings_workbook(strings: list[str], rows: list[list[int]]) -> bytes:
    """A workbook whose cells point into a shared string table, as Excel writes them."""
    table = b"".join(f"<si><t xml:space=\"preserve\">{text}</t></si>".encode()
                     for text in strings)
    sheet_rows = b"".join(
        f'<row r="{number}">'.encode() + b"".join(
            f'<c r="{chr(65 + column)}{number}" t="s"><v>{index}</v></c>'.encode()
            for column, index in enumerate(row)) + b"</row>"
        for number, row in enumerate(rows, start=1))
    data = with_part(workbook_bytes([["x"]]), SHEET, lambda xml: re.sub(
        rb"<sheetData>.*</sheetData>", lambda _match: b"<sheetData>" + sheet_rows
        + b"</sheetData>", xml))
    data = with_part(data, "[Content_Types].xml", lambda xml: xml.replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    data = with_part(data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org'
        b'/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>"))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst " + MAIN + b">" + table + b"</sst>")
    return buffer.getvalue()


def test_a_workbook_with_shared_strings_is_read(source):
    data = shared_strings_workbook(["姓名", "手机", "张三", "13800138000"], [[0, 1], [2, 3]])

    preview = import_preview(source=source, file=upload(data))

    assert [row["data"]["name"] for row in preview.rows] == ["张三"]


def test_one_long_shared_string_repeated_in_every_cell_is_refused(source, monkeypatch):
    # A cell costs a few bytes in the sheet whatever the length of the shared string it shows.
    monkeypatch.setattr(imports, "MAX_TEXT_CHARS", 50_000)
    long_text = " " + "长" * 1_000
    data = shared_strings_workbook(["姓名", "备注", long_text],
                                   [[0, 1]] + [[2, 2]] * 100)

    error = refused(source, data)

    assert error.code == "too_much_text"


def test_too_many_shared_strings_are_refused(source, monkeypatch):
    monkeypatch.setattr(imports, "MAX_SHARED_STRINGS", 10)
    data = shared_strings_workbook(["姓名"] + [f"客户{n}" for n in range(20)], [[0]])

    assert refused(source, data).code == "workbook_too_complex"


@pytest.mark.parametrize("content", [
    "姓名,手机\n张三,13800138000\n".encode(),  # a CSV renamed .xlsx
    b"PK\x03\x04" + b"\x00" * 200,  # a broken zip
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,  # a picture
])
def test_a_file_named_xlsx_that_is_no_workbook_is_refused_with_a_clear_error(source, content):
    error = refused(source, content)

    assert error.code in {"unreadable_file", "unsupported_format"}
    assert "xlsx" in error.message


def test_another_zip_renamed_xlsx_is_refused_with_a_clear_error(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")

    assert refused(source, buffer.getvalue()).code == "unreadable_file"


# CSV ------------------------------------------------------------------------------------------


def test_a_csv_value_past_the_column_limit_is_refused(source):
    text = "姓名,手机\n张三,13800138000" + "," * imports.MAX_COLUMNS + "备注\n"

    error = refused(source, text.encode(), "leads.csv")

    assert error.code == "too_many_columns"


def test_empty_csv_columns_past_the_limit_are_ignored(source):
    text = "姓名,手机" + "," * 500 + "\n张三,13800138000" + "," * 500 + "\n"

    preview = import_preview(source=source, file=upload(text.encode(), "leads.csv"))

    assert preview.total_rows == 1


def test_a_csv_line_past_the_length_limit_is_refused(source, monkeypatch):
    monkeypatch.setattr(imports, "MAX_LINE_CHARS", 1_000)
    text = "姓名,手机\n张三,13800138000\n" + "a," * 1_000 + "\n"

    error = refused(source, text.encode(), "leads.csv")

    assert error.code == "line_too_long"
    assert "Line 3 " in error.message
    assert "1,000" in error.message


@pytest.fixture
def csv_rows_read(monkeypatch) -> list:
    """The rows the csv module hands the reader."""
    read = []
    real_reader = imports.csv.reader

    def counting_reader(*args, **kwargs):
        for row in real_reader(*args, **kwargs):
            read.append(row)
            yield row

    monkeypatch.setattr(imports.csv, "reader", counting_reader)
    return read


def test_blank_csv_lines_between_leads_keep_the_row_numbers(source):
    text = "姓名,手机\n张三,13800138000\n" + "\r\n" * 900 + "李四,13800138001\n"

    preview = import_preview(source=source, file=upload(text.encode(), "leads.csv"))

    assert [row["row"] for row in preview.rows] == [2, 903]


def test_blank_lines_at_the_end_of_a_csv_are_not_read(source, csv_rows_read):
    text = "姓名,手机\n张三,13800138000\n" + "\r\n" * 1_000_000

    preview = import_preview(source=source, file=upload(text.encode(), "leads.csv"))

    assert preview.total_rows == 1
    assert len(csv_rows_read) == 2


def test_a_csv_going_on_past_the_row_limit_is_refused_at_the_limit(source, csv_rows_read):
    text = "姓名,手机\n张三,13800138000\n" + "\r\n" * 1_000_000 + "李四,13800138001\n"

    error = refused(source, text.encode(), "leads.csv")

    assert error.code == "rows_beyond_limit"
    assert f"{imports.MAX_SHEET_ROWS:,}" in error.message
    assert len(csv_rows_read) == imports.MAX_SHEET_ROWS + 1


def test_a_csv_over_the_row_limit_stops_being_read_at_the_limit(source, monkeypatch,
                                                                 csv_rows_read):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    text = "姓名,手机\n" + "".join(f"客户{n},1380013800{n % 10}\n" for n in range(1_000))

    error = refused(source, text.encode(), "leads.csv")

    assert error.code == "too_many_rows"
    assert len(csv_rows_read) == 5  # the header, three rows and the one too many
