"""File import: a CSV or Excel file of leads, previewed row by row, then imported all at once.

`import_preview` reads and checks a file without writing anything; `import_commit` creates the
valid rows through intake in one transaction. `lead_import_create`, `lead_import_confirm` and
`lead_import_cancel` keep a preview as a `LeadImport` between the two steps, for the pages.
"""

import codecs
import csv
import datetime
import functools
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from xml.parsers import expat

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.permissions import is_superuser
from leads.models import Campaign, ImportStatus, Lead, LeadImport, Source
from leads.services.intake import BULK_LIMIT, lead_bulk_create, lead_clean

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
# The rows of a sheet the reader walks, blank ones included: room for titles and blank lines
# between the leads, not for a stray cell at row 1,048,576 that would have it walk a million.
MAX_SHEET_ROWS = 2 * MAX_ROWS
# The characters of cell text kept from one file. A CSV holds at most MAX_FILE_BYTES of them; a
# workbook can show one long shared string in every cell for a few bytes a cell.
MAX_TEXT_CHARS = 10_000_000
# One row of a CSV, in characters: far more than MAX_COLUMNS values need, and it bounds the
# values the csv module makes of one row (an unclosed quote makes the rest of the file one row).
MAX_LINE_CHARS = 100_000

# An .xlsx is a zip of XML parts, and openpyxl builds what it reads of them as Python objects of
# a few hundred bytes per element or attribute: 30 times the unpacked size and more. So the zip
# and its XML are checked, streaming and holding nothing, before openpyxl is handed the file.
# Unpacked, a workbook is at most about 20 times its size; the elements in all its parts bound
# the time the checks take (a workbook of 10,000 leads in 50 columns has some 1,500,000).
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_PARTS = 1_000
MAX_XLSX_ELEMENTS = 4_000_000
# Elements and attributes of one part that openpyxl holds at once (a whole styles.xml, what
# surrounds a sheet's rows); of one row or one shared string; and shared strings in all.
MAX_XML_ELEMENTS = 200_000
MAX_ROW_ELEMENTS = 100_000
MAX_SHARED_STRINGS = 500_000
# "=" signs from one "<" to the next: the attributes of one tag, which the XML parser turns into
# one dictionary before anything can count them. No real tag has more than a few dozen.
MAX_TAG_ATTRIBUTES = 10_000
CHUNK_SIZE = BULK_LIMIT

# What each lead field may be called in a header, in English or Chinese, compared after
# `_header_key` (case, spaces, underscores, hyphens, "*" and remarks in brackets ignored).
FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
    "wechat_id": gettext_lazy("WeChat ID"),
    "company": gettext_lazy("company"),
    "region": gettext_lazy("region"),
    "product_interest": gettext_lazy("product interest"),
    "external_id": gettext_lazy("external ID"),
    "campaign": gettext_lazy("campaign"),
    "attributes": gettext_lazy("other attributes"),
}
HEADER_ALIASES = {
    "name": ["name", "full name", "contact name", "contact", "姓名", "名字", "客户姓名", "联系人"],
    "phone": ["phone", "mobile", "tel", "telephone", "phone number", "mobile phone", "cellphone",
              "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话"],
    "email": ["email", "e-mail", "mail", "email address", "邮箱", "电子邮箱", "电子邮件", "邮件"],
    "wechat_id": ["wechat_id", "wechat", "weixin", "微信", "微信号", "微信ID"],
    "company": ["company", "company name", "organisation", "organization", "公司", "公司名称",
                "单位", "企业", "企业名称"],
    "region": ["region", "area", "province", "city", "地区", "区域", "省份", "城市", "所在地区"],
    "product_interest": ["product_interest", "product", "interest", "意向产品", "产品", "意向"],
    "external_id": ["external_id", "id", "外部编号", "编号", "外部ID", "线索编号"],
    "campaign": ["campaign", "campaign id", "campaign name", "活动", "推广活动", "活动名称"],
}
# The headers of the downloadable template: Chinese, as the people who fill it in write.
TEMPLATE_HEADERS = ["姓名", "手机", "邮箱", "微信", "公司", "地区", "意向产品", "外部编号", "活动"]


def _header_key(text) -> str:
    text = str(text or "").replace("\u200b", "").strip().casefold()
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)  # "手机(必填)", "Phone (mobile)"
    return re.sub(r"[\s_\-.:：*＊]", "", text)


_ALIAS_TO_FIELD = {
    _header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def header_field(header) -> str | None:
    """The lead field a column header names, or None for a column kept as an attribute."""
    return _ALIAS_TO_FIELD.get(_header_key(header))


# Reading the file ---------------------------------------------------------------------------


def _file_error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, field="file")


def _read_bytes(file) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _too_big()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_big()
    if not data.strip():
        raise _file_error(_("The file is empty."), "empty_file")
    return data


def _too_big() -> ApplicationError:
    return _file_error(
        _("The file is larger than %(limit)d MB. Split it into smaller files.")
        % {"limit": MAX_FILE_BYTES // (1024 * 1024)}, "file_too_large")


def _unreadable() -> ApplicationError:
    return _file_error(
        _("The file could not be read. Upload a CSV file or an Excel workbook (.xlsx)."),
        "unreadable_file")


def _cell_text(value) -> str:
    """A cell as text, as the person saw it: 13800138000 rather than 13800138000.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):  # Excel keeps every date as a date and time
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).replace("\u200b", "").strip()


def _decode(data: bytes) -> str:
    # Excel for Chinese Windows saves "CSV" in GB18030 (GBK), without a BOM; everything else
    # sends UTF-8, often with a BOM. UTF-8 is tried first: GBK text is almost never valid UTF-8.
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # Excel's "Unicode text"
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(
        _("The file's characters could not be read. Save it as “CSV UTF-8” and upload it "
          "again."), "unreadable_encoding")


class _Rows:
    """The non-empty rows of a file as (row number, values), refusing the file as soon as it
    passes a limit rather than after reading all of it."""

    def __init__(self):
        self.rows: list[tuple[int, list[str]]] = []
        self.chars = 0

    def add(self, number: int, values: list[str]) -> None:
        # Sheets often report formatted but empty cells far to the right of the data.
        end = len(values)
        while end and not values[end - 1]:
            end -= 1
        if not end:
            return
        if end > MAX_COLUMNS:
            raise _too_many_columns()
        if len(self.rows) > MAX_ROWS:  # the header and MAX_ROWS rows are already in
            raise _too_many_rows()
        row = values[:end]
        self.chars += sum(map(len, row))
        if self.chars > MAX_TEXT_CHARS:
            raise _file_error(
                _("The file holds more than %(limit)s characters of text. Split it into smaller "
                  "files.") % {"limit": f"{MAX_TEXT_CHARS:,}"}, "too_much_text")
        self.rows.append((number, row))


def _too_many_rows() -> ApplicationError:
    return _file_error(
        _("The file has more than %(limit)s rows. Split it into files of at most "
          "%(limit)s rows.") % {"limit": f"{MAX_ROWS:,}"}, "too_many_rows")


def _too_many_columns() -> ApplicationError:
    return _file_error(
        _("The file has more than %(limit)d columns. Delete the columns that are not needed, "
          "and anything typed far to the right of the leads, then upload it again.")
        % {"limit": MAX_COLUMNS}, "too_many_columns")


def _too_complex() -> ApplicationError:
    return _file_error(
        _("The workbook is too large or too complex to read. Copy the leads into a new "
          "workbook, or save the sheet as CSV UTF-8, and upload it again."),
        "workbook_too_complex")


class _CsvLines:
    """The lines of a CSV for the csv module, refusing a row longer than MAX_LINE_CHARS before
    the csv module splits it into values."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.line = 0
        self.row_chars = 0  # of the row being read; the reader resets it after each row

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.line += 1
        self.row_chars += len(line)
        if self.row_chars > MAX_LINE_CHARS:
            raise _file_error(
                _("Line %(line)s of the file ends a row longer than %(limit)s characters. Check "
                  "that the file is a list of leads, one a line, and that every quote (\") is "
                  "closed, then upload it again.")
                % {"line": f"{self.line:,}", "limit": f"{MAX_LINE_CHARS:,}"}, "line_too_long")
        return line


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise _unreadable()
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    if not first_line.count(delimiter):
        delimiter = ","
    rows = _Rows()
    # Blank lines at the end cost nothing to drop here and a row each to read; blank lines
    # between the leads count towards MAX_SHEET_ROWS, which bounds the rows read.
    lines = _CsvLines(text.rstrip())
    try:
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            if number > MAX_SHEET_ROWS:
                raise _file_error(
                    _("The file goes on past row %(limit)s, and leads must be within its first "
                      "%(limit)s rows. Delete the empty rows and anything below the leads, then "
                      "upload it again.") % {"limit": f"{MAX_SHEET_ROWS:,}"},
                    "rows_beyond_limit")
            lines.row_chars = 0
            rows.add(number, [cell.strip() for cell in row])
    except csv.Error:
        raise _unreadable() from None
    return rows.rows


# The parts of an .xlsx, streamed before openpyxl reads them -----------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # expat's "namespace name"
_SHEET_DATA, _ROW, _DIMENSION = _MAIN + "sheetData", _MAIN + "row", _MAIN + "dimension"
_SST, _SI = _MAIN + "sst", _MAIN + "si"
_CELL_VALUES = {_MAIN + "v", _MAIN + "is"}
_COORDINATE = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")  # openpyxl's own
_LONG_TAG = re.compile(rb"<(?:[^<=]*+=){%d}" % (MAX_TAG_ATTRIBUTES + 1))
_XML_CHUNK = 256 * 1024


@dataclass
class _SheetExtent:
    """Where the values of a sheet lie, as openpyxl will number its rows and columns."""

    last_row: int = 0  # of a cell with a value, 0 when there is none
    last_column: int = 0
    value_rows: int = 0
    ordered: bool = True  # rows numbered upwards, as every spreadsheet program writes them
    row: int = 0  # the row being read
    dimension_first: bool = False  # a <dimension> before the rows, where openpyxl stops reading


class _XmlScan:
    """Expat handlers counting what openpyxl would build of one part, and where a sheet's values
    lie. Elements are counted, never kept."""

    def __init__(self, elements_left: int):
        self.elements_left = elements_left  # of MAX_XLSX_ELEMENTS, for the whole workbook
        self.path: list[str] = []
        self.held = 0  # elements and attributes openpyxl keeps until it has read the part
        self.unit = 0  # depth of the row or shared string being read (0: none)
        self.row_unit = False  # whether it is a row
        self.unit_held = 0
        self.strings = 0
        self.sheet: _SheetExtent | None = None
        self.column = 0
        self.cell_has_value = self.row_has_value = False

    def start(self, name: str, attributes: dict) -> None:
        self.elements_left -= 1
        if self.elements_left < 0:
            raise _too_complex()
        path = self.path
        path.append(name)
        if self.unit:  # most elements: the cells of a row and their values
            self.unit_held += 1 + len(attributes)
            if self.unit_held > MAX_ROW_ELEMENTS:
                raise _too_complex()
            if self.row_unit:
                depth = len(path) - self.unit
                if depth == 1:  # openpyxl takes every child of a row for a cell
                    self.column = _cell_column(attributes.get("r"), self.column)
                    self.cell_has_value = False
                elif depth == 2 and name in _CELL_VALUES:
                    self.cell_has_value = True
            return
        parent = path[-2] if len(path) > 1 else None
        sheet = self.sheet
        if name == _ROW and parent == _SHEET_DATA and sheet is not None:
            self.unit, self.unit_held, self.row_unit = len(path), 1 + len(attributes), True
            number = _row_number(attributes.get("r"), sheet.row)
            sheet.ordered = sheet.ordered and number > sheet.row
            sheet.row = number
            self.column, self.row_has_value = 0, False
            if not sheet.dimension_first:  # openpyxl reads every row to look for a dimension
                self._hold(1)
        elif name == _SI and parent == _SST:
            self.unit, self.unit_held, self.row_unit = len(path), 1 + len(attributes), False
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _too_complex()
        else:
            self._hold(1 + len(attributes))
            if name == _SHEET_DATA and sheet is None:
                self.sheet = _SheetExtent()
            elif name == _DIMENSION and sheet is None:
                self.sheet = _SheetExtent(dimension_first=True)

    def end(self, name: str) -> None:
        path = self.path
        if self.unit:
            depth = len(path) - self.unit
            if depth == 0:
                if self.row_unit and self.row_has_value:
                    self.sheet.last_row = self.sheet.row
                    self.sheet.value_rows += 1
                self.unit = 0
            elif depth == 1 and self.row_unit and self.cell_has_value:
                self.row_has_value = True
                if self.column > self.sheet.last_column:
                    self.sheet.last_column = self.column
        path.pop()

    def _hold(self, count: int) -> None:
        self.held += count
        if self.held > MAX_XML_ELEMENTS:
            raise _too_complex()


def _row_number(text: str | None, previous: int) -> int:
    # As openpyxl reads it: "r" if given (as an integer, or a float that is one), else the next.
    if text is None:
        return previous + 1
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise _unreadable() from None
        if not number.is_integer():
            raise _unreadable() from None
        return int(number)


def _cell_column(coordinate: str | None, previous: int) -> int:
    # As openpyxl reads it: the column of "r" if given, else the next column.
    if not coordinate:
        return previous + 1
    match = _COORDINATE.match(coordinate)
    if not match or not int(match[2]):
        raise _unreadable()
    return _column_number(match[1])


@functools.cache  # at most 18,278 names, "A" to "ZZZ"
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _no_dtd(*args) -> None:
    # Excel writes no DTD; one could declare entities that expand a small part into gigabytes.
    raise _unreadable()


def _scan_part(part, scan: _XmlScan) -> None:
    """Stream one part of the zip through `scan`, refusing it if openpyxl would build too much of
    it. A part that is not XML (a picture) is skipped: openpyxl either does not read it or
    refuses it itself."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.StartDoctypeDeclHandler = _no_dtd
    chunk = part.read(_XML_CHUNK)
    if not chunk.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith((b"<", codecs.BOM_UTF16_LE,
                                                                     codecs.BOM_UTF16_BE)):
        return
    equals = 0  # in the tag left open by the previous chunk
    try:
        while chunk:
            first_tag, last_tag = chunk.find(b"<"), chunk.rfind(b"<")
            if first_tag == -1:
                equals += chunk.count(b"=")
            else:
                # The open tag ends at the first "<"; the tags between are searched whole; the
                # last one stays open into the next chunk.
                if (equals + chunk.count(b"=", 0, first_tag) > MAX_TAG_ATTRIBUTES
                        or _LONG_TAG.search(chunk, first_tag, last_tag)):
                    raise _too_complex()
                equals = chunk.count(b"=", last_tag)
            if equals > MAX_TAG_ATTRIBUTES:
                raise _too_complex()
            parser.Parse(chunk, False)
            chunk = part.read(_XML_CHUNK)
        parser.Parse(b"", True)
    except expat.ExpatError:
        pass  # not XML, or broken from here on: openpyxl reads no further either


def _xlsx_scan(data: bytes) -> dict[str, _SheetExtent]:
    """Check a workbook's zip and every XML part in it before openpyxl reads any. Returns the
    extent of the values of each sheet, by the part's name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_XLSX_PARTS:
                raise _too_complex()
            # zipfile never unpacks more than a part declares, so the declared sizes bound it.
            if sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_BYTES:
                raise _too_complex()
            sheets = {}
            elements_left = MAX_XLSX_ELEMENTS
            for info in parts:
                scan = _XmlScan(elements_left)
                with archive.open(info) as part:
                    _scan_part(part, scan)
                elements_left = scan.elements_left
                if scan.sheet is not None:
                    sheets[info.filename] = scan.sheet
            return sheets
    except ApplicationError:
        raise
    except Exception:  # a damaged zip: bad CRC, truncated, unknown compression, encrypted
        raise _unreadable() from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    sheets = _xlsx_scan(data)
    rows = _Rows()
    try:
        # openpyxl warns about features it skips (data validation, default styles): harmless
        # for reading values, and not the uploader's concern.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                     keep_links=False)
            try:
                if not workbook.worksheets:
                    raise _file_error(_("The file is empty."), "empty_file")
                sheet = workbook.worksheets[0]
                # openpyxl names a read-only sheet's part only in this private attribute.
                extent = sheets.get(sheet._worksheet_path)
                if extent is None:
                    raise _unreadable()
                _check_extent(extent)
                if extent.last_row:
                    # Never the dimension the sheet declares: a sheet may claim A1:GR1048576
                    # for three rows, and openpyxl pads every row it returns to that width.
                    sheet.reset_dimensions()
                    values = sheet.iter_rows(max_row=extent.last_row,
                                             max_col=extent.last_column, values_only=True)
                    for number, row in enumerate(values, start=1):
                        rows.add(number, [_cell_text(value) for value in row])
            finally:
                workbook.close()
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds of errors for a damaged workbook
        raise _unreadable() from None
    return rows.rows


def _check_extent(extent: _SheetExtent) -> None:
    if not extent.ordered:  # openpyxl would skip such rows, silently, however many
        raise _unreadable()
    if extent.value_rows > MAX_ROWS + 1:  # the header and one row too many
        raise _too_many_rows()
    if extent.last_column > MAX_COLUMNS:
        raise _too_many_columns()
    if extent.last_row > MAX_SHEET_ROWS:
        raise _file_error(
            _("The sheet has something in row %(row)s, and leads must be within its first "
              "%(limit)s rows. Delete what is below the leads (in Excel, Ctrl+End goes to the "
              "last cell used) and upload the file again.")
            % {"row": f"{extent.last_row:,}", "limit": f"{MAX_SHEET_ROWS:,}"},
            "rows_beyond_limit")


def _file_rows(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a file, as (row number, values without trailing empty ones)."""
    lowered = name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lowered.endswith(".xls"):
        raise _file_error(_("Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or "
                            "as CSV UTF-8 and upload it again."), "unsupported_format")
    if data.startswith(b"PK\x03\x04") or lowered.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data)
    return _csv_rows(data)


# The preview ----------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What importing a file would do; nothing has been written.

    Row numbers are those a person sees in the file: the header is usually row 1.
    """

    file_name: str = ""
    total_rows: int = 0
    # Valid new rows, ready for import_commit: {"row": n, "data": {...}}.
    rows: list[dict] = field(default_factory=list)
    # Rows whose (source, external ID) exists: {"row", "external_id", "column", "lead_id"}.
    existing: list[dict] = field(default_factory=list)
    # Rows refused: {"row", "field", "column", "code", "message"}.
    errors: list[dict] = field(default_factory=list)
    # Valid rows with the phone or e-mail of an earlier row, to be linked to its lead:
    # {"row", "of_row", "field", "column"}.
    duplicates: list[dict] = field(default_factory=list)
    # Recognised columns as [header, field], and the headers kept as attributes.
    columns: list[list[str]] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def valid_count(self) -> int:
        return len(self.rows)

    @property
    def problems(self) -> list[dict]:
        """Every row that is not simply created, in file order, for display and history."""
        rows = ([{"kind": "error", **error} for error in self.errors]
                + [{"kind": "existing", **row} for row in self.existing]
                + [{"kind": "duplicate", **row} for row in self.duplicates])
        return sorted(rows, key=lambda problem: problem["row"])


@dataclass
class _Layout:
    header_row: int
    fields: dict[int, str]  # column index -> lead field
    headers: list[str]
    field_columns: dict[str, str]  # field -> header of its first column


def _layout(rows: list[tuple[int, list[str]]]) -> _Layout:
    if not rows:
        raise _file_error(_("The file is empty."), "empty_file")
    header_row, headers = rows[0]
    fields: dict[int, str] = {}
    field_columns: dict[str, str] = {}
    for index, header in enumerate(headers):
        name = header_field(header)
        if name:
            fields[index] = name
            field_columns.setdefault(name, header)
    if "name" not in field_columns:
        named = [header[:40] for header in headers if header]
        found = ", ".join(f"“{header}”" for header in named[:10]) or "-"
        if len(named) > 10:
            found += ", …"
        raise _file_error(
            _("The file has no name column. Name the column “姓名” or “name”. Columns found: "
              "%(columns)s.") % {"columns": found}, "no_name_column")
    return _Layout(header_row, fields, headers, field_columns)


def _record(row: list[str], layout: _Layout) -> dict:
    """One row as an intake record. A field named by several columns (手机 and 电话) takes the
    first non-empty one; unknown columns, and the other values, go into attributes."""
    record: dict = {}
    attributes: dict[str, str] = {}
    for index, value in enumerate(row):
        if not value:
            continue
        name = layout.fields.get(index)
        if name and name not in record:
            record[name] = value
            continue
        header = layout.headers[index] if index < len(layout.headers) else ""
        key = header or _("column %(n)d") % {"n": index + 1}
        while key in attributes:
            key = f"{key} ({index + 1})"
        attributes[key] = value
    if attributes:
        record["attributes"] = attributes
    return record


def _campaign_lookup(source: Source) -> tuple[dict[str, Campaign], dict[int, Campaign]]:
    by_key: dict[str, Campaign] = {}
    by_id: dict[int, Campaign] = {}
    for campaign in Campaign.objects.filter(source=source):
        by_id[campaign.pk] = campaign
        by_key.setdefault(campaign.name.strip().casefold(), campaign)
    for campaign in by_id.values():  # an ID wins over a campaign named like an ID
        by_key[str(campaign.pk)] = campaign
    return by_key, by_id


def _existing_ids(source: Source, external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), CHUNK_SIZE):
        found.update(Lead.objects.filter(source=source,
                                         external_id__in=external_ids[start:start + CHUNK_SIZE])
                     .values_list("external_id", "pk"))
    return found


def import_preview(*, source: Source, file) -> ImportPreview:
    """Read a CSV (UTF-8, with or without BOM, or GB18030) or .xlsx file of leads and check
    every row with intake's rules, without writing anything.

    Raises ApplicationError (field "file") when the file as a whole cannot be used: too large,
    too many rows or columns, empty, unreadable, no name column. Reading is bounded by the
    limits above, whatever the file declares: a sheet is read up to its last cell with a value,
    and a file past a limit is refused before much of it is read. Row problems are reported,
    not raised.
    """
    if not source.is_active:
        raise ApplicationError(_("The source “%(source)s” is not active.") % {"source": source},
                               code="inactive_source", field="source")
    name = str(getattr(file, "name", "") or "")
    rows = _file_rows(_read_bytes(file), name)
    layout = _layout(rows)
    preview = ImportPreview(
        file_name=name.rsplit("/", 1)[-1][:255],
        columns=[[header, layout.fields[index]] for index, header in enumerate(layout.headers)
                 if index in layout.fields],
        extra_columns=[header for index, header in enumerate(layout.headers)
                       if header and index not in layout.fields],
    )
    data_rows = rows[1:]  # the reader refused more than MAX_ROWS of them
    if not data_rows:
        raise _file_error(_("The file has no rows under its header."), "no_rows")
    preview.total_rows = len(data_rows)

    def column_of(field_name: str | None) -> str:
        if not field_name:
            return ""
        return layout.field_columns.get(field_name) or str(FIELD_LABELS.get(field_name,
                                                                            field_name))

    campaigns_by_key, campaigns_by_id = _campaign_lookup(source)
    valid: list[tuple[int, dict]] = []
    first_external: dict[str, int] = {}
    for number, row in data_rows:
        record = _record(row, layout)
        raw_campaign = record.pop("campaign", "")
        campaign = campaigns_by_key.get(raw_campaign.casefold()) if raw_campaign else None
        if campaign is not None:
            record["campaign"] = campaign.pk
        try:
            cleaned = lead_clean(data=record, source=source, campaigns=campaigns_by_id)
            if raw_campaign and campaign is None:
                raise ApplicationError(
                    _("No campaign “%(campaign)s” for this source.") % {"campaign": raw_campaign},
                    code="unknown_campaign", field="campaign")
        except ApplicationError as error:
            preview.errors.append({"row": number, "field": error.field or "",
                                   "column": column_of(error.field), "code": error.code,
                                   "message": str(error.message)})
            continue
        external_id = cleaned["external_id"]
        if external_id and external_id in first_external:
            preview.errors.append({
                "row": number, "field": "external_id", "column": column_of("external_id"),
                "code": "repeated_in_file",
                "message": _("The same external ID “%(id)s” is in row %(row)d.")
                % {"id": external_id, "row": first_external[external_id]}})
            continue
        if external_id:
            first_external[external_id] = number
        cleaned["campaign"] = cleaned["campaign"].pk if cleaned["campaign"] else None
        valid.append((number, cleaned))

    existing = _existing_ids(source, [c["external_id"] for _n, c in valid if c["external_id"]])
    first_contact: dict[str, int] = {}
    for number, cleaned in valid:
        if cleaned["external_id"] in existing:
            preview.existing.append({"row": number, "external_id": cleaned["external_id"],
                                     "column": column_of("external_id"),
                                     "lead_id": existing[cleaned["external_id"]]})
            continue
        earlier = None
        for key in ("phone", "email"):
            if cleaned[key] and f"{key}:{cleaned[key]}" in first_contact:
                earlier = (key, first_contact[f"{key}:{cleaned[key]}"])
                break
        if earlier:
            preview.duplicates.append({"row": number, "of_row": earlier[1], "field": earlier[0],
                                       "column": column_of(earlier[0])})
        for key in ("phone", "email"):
            if cleaned[key]:
                first_contact.setdefault(f"{key}:{cleaned[key]}", number)
        preview.rows.append({"row": number, "data": cleaned,
                             "duplicate": earlier is not None})
    return preview


# The import -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0
    lead_ids: list[int] = field(default_factory=list)


@transaction.atomic
def import_commit(*, source: Source, rows: list[dict], actor) -> ImportResult:
    """Create the leads of a preview's valid rows: all of them or, if any fails, none.

    Rows are written through intake (`lead_bulk_create`, BULK_LIMIT at a time) inside one
    transaction, so assignment is scheduled only once everything has committed. A row whose
    (source, external ID) appeared since the preview counts as existing; a row that no longer
    passes intake (a campaign deleted meanwhile) aborts the whole import with its row number.
    Rows sharing a phone or e-mail with an earlier row go in after the others, so that intake
    links them to the lead of that row as duplicates.
    """
    if not source.is_active:
        raise ApplicationError(_("The source “%(source)s” is not active.") % {"source": source},
                               code="inactive_source", field="source")
    result = ImportResult()
    firsts = [row for row in rows if not row.get("duplicate")]
    repeats = [row for row in rows if row.get("duplicate")]
    for batch in (firsts, repeats):
        for start in range(0, len(batch), CHUNK_SIZE):
            chunk = batch[start:start + CHUNK_SIZE]
            outcome = lead_bulk_create(source=source, records=[row["data"] for row in chunk],
                                       actor=actor)
            if outcome.failed:
                failure = outcome.failed[0]
                error = failure["errors"][0]
                raise ApplicationError(
                    _("Row %(row)d can no longer be imported (%(message)s). Nothing was "
                      "imported; upload the file again.")
                    % {"row": chunk[failure["index"]]["row"], "message": error["message"]},
                    code="row_failed", field=error["field"])
            result.created += len(outcome.created)
            result.existing += len(outcome.existing)
            result.lead_ids.extend(lead.pk for lead in outcome.created)
    return result


# Previews kept between the two steps (the pages) ----------------------------------------------


def can_manage_lead_import(user, lead_import: LeadImport) -> bool:
    """Who may confirm or cancel a preview: the person who uploaded it, or an admin."""
    return is_superuser(user) or (lead_import.created_by_id is not None
                                  and lead_import.created_by_id == getattr(user, "pk", None))


def lead_import_create(*, source: Source, file, actor) -> LeadImport:
    """Preview `file` and keep the preview, awaiting confirmation. Writes no lead."""
    preview = import_preview(source=source, file=file)
    return LeadImport.objects.create(
        source=source, file_name=preview.file_name or _("upload"),
        created_by=actor if getattr(actor, "pk", None) else None,
        row_count=preview.total_rows, valid_count=preview.valid_count,
        existing_count=len(preview.existing), error_count=len(preview.errors),
        duplicate_count=len(preview.duplicates),
        columns={"mapped": preview.columns, "extra": preview.extra_columns},
        rows=preview.rows, problems=preview.problems,
    )


def _locked(lead_import: LeadImport, actor) -> LeadImport:
    locked = LeadImport.objects.select_for_update(of=("self",)).select_related("source").get(
        pk=lead_import.pk)
    if not can_manage_lead_import(actor, locked):
        raise PermissionDenied(_("Only the person who uploaded this file may import or cancel "
                                 "it."))
    return locked


@transaction.atomic
def lead_import_confirm(*, lead_import: LeadImport, actor,
                        now: datetime.datetime | None = None) -> LeadImport:
    """Import a previewed file's valid rows, all or none, exactly once.

    The import's row is locked: a second confirmation (a double click, a retried request)
    waits for the first and then finds the import done, and returns it unchanged.
    """
    locked = _locked(lead_import, actor)
    if locked.status == ImportStatus.IMPORTED:
        return locked
    if locked.status != ImportStatus.PREVIEWED:
        raise ApplicationError(_("This import was cancelled. Upload the file again."),
                               code="import_cancelled")
    result = import_commit(source=locked.source, rows=locked.rows, actor=actor)
    locked.status = ImportStatus.IMPORTED
    locked.created_count = result.created
    locked.existing_count += result.existing
    locked.imported_at = now or timezone.now()
    locked.rows = []
    locked.save(update_fields=["status", "created_count", "existing_count", "imported_at",
                               "rows", "updated_at"])
    audit_record(actor=actor, verb="lead_import.imported", obj=locked, after={
        "source_id": locked.source_id, "file_name": locked.file_name,
        "created": result.created, "existing": locked.existing_count})
    return locked


@transaction.atomic
def lead_import_cancel(*, lead_import: LeadImport, actor) -> LeadImport:
    """Drop a preview: its rows are forgotten, nothing is imported. Cancelling twice is fine."""
    locked = _locked(lead_import, actor)
    if locked.status == ImportStatus.IMPORTED:
        raise ApplicationError(_("This file has already been imported."),
                               code="already_imported")
    if locked.status != ImportStatus.CANCELLED:
        locked.status = ImportStatus.CANCELLED
        locked.rows = []
        locked.save(update_fields=["status", "rows", "updated_at"])
    return locked


def template_csv() -> bytes:
    """An empty file with the recognised headers, UTF-8 with a BOM so that Excel opens it."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(TEMPLATE_HEADERS)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def problems_csv(lead_import: LeadImport) -> bytes:
    """The rows of a preview that will not simply be created, for fixing the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for problem in problem_rows(lead_import):
        writer.writerow([problem["row"], problem["column"], problem["message"]])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def problem_rows(lead_import: LeadImport, *, limit: int | None = None) -> list[dict]:
    """The stored problems with a message each, in the reader's language."""
    rows = []
    for problem in lead_import.problems[:limit]:
        message = problem.get("message", "")
        if problem["kind"] == "existing":
            message = _("A lead with external ID “%(id)s” already exists for this source; it "
                        "is skipped.") % {"id": problem["external_id"]}
        elif problem["kind"] == "duplicate":
            message = _("Same %(column)s as row %(row)d: imported and linked to it as a "
                        "duplicate.") % {"column": problem["column"], "row": problem["of_row"]}
        rows.append({**problem, "column": problem.get("column", ""), "message": message})
    return rows


__all__ = [
    "CHUNK_SIZE", "MAX_FILE_BYTES", "MAX_ROWS", "ImportPreview", "ImportResult",
    "can_manage_lead_import", "header_field", "import_commit", "import_preview",
    "lead_import_cancel", "lead_import_confirm", "lead_import_create",
    "problem_rows", "problems_csv", "template_csv",
]


PREVIEW_LIFETIME = datetime.timedelta(days=2)


def lead_imports_expire(*, now: datetime.datetime | None = None) -> int:
    """Cancel previews nobody confirmed within PREVIEW_LIFETIME and drop their rows, which hold
    personal data. One set-based update: safe to run twice or on two workers at once."""
    now = now or timezone.now()
    return LeadImport.objects.filter(
        status=ImportStatus.PREVIEWED, created_at__lt=now - PREVIEW_LIFETIME,
    ).update(status=ImportStatus.CANCELLED, rows=[], updated_at=now)
