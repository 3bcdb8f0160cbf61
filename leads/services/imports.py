"""File import: a CSV or Excel file of leads, previewed row by row, then imported all at once.

`import_preview` reads and checks a file without writing anything; `import_commit` creates the
valid rows through intake in one transaction. `lead_import_create`, `lead_import_confirm` and
`lead_import_cancel` keep a preview as a `LeadImport` between the two steps, for the pages.
"""

import codecs
import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.audit.services import audit_record
from coordination.errors import ApplicationError, PermissionDenied
from coordination.org.permissions import is_superuser
from leads.models import Campaign, ImportStatus, Lead, LeadImport, Source
from leads.services.intake import BULK_LIMIT, lead_bulk_create, lead_clean

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
# An .xlsx is a zip: refuse one that would unpack to far more than any real sheet of 10,000
# leads, before openpyxl reads its shared strings into memory.
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
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


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise _unreadable()
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    if not first_line.count(delimiter):
        delimiter = ","
    try:
        return [[cell.strip() for cell in row[:MAX_COLUMNS + 1]]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise _unreadable() from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED_BYTES:
                raise _too_big()
    except zipfile.BadZipFile:
        raise _unreadable() from None
    rows: list[list[str]] = []
    try:
        # openpyxl warns about features it skips (data validation, default styles): harmless
        # for reading values, and not the uploader's concern.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise _file_error(_("The file is empty."), "empty_file")
                data_rows = 0
                for values in workbook.worksheets[0].iter_rows(values_only=True):
                    row = [_cell_text(value) for value in values[:MAX_COLUMNS + 1]]
                    rows.append(row)
                    if any(row):
                        data_rows += 1
                    if data_rows > MAX_ROWS + 1:  # the header and one row too many
                        break
            finally:
                workbook.close()
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds of errors for a damaged workbook
        raise _unreadable() from None
    return rows


def _trimmed(row: list[str]) -> list[str]:
    # Sheets often report formatted but empty cells far to the right of the data.
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _file_rows(data: bytes, name: str) -> list[list[str]]:
    lowered = name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lowered.endswith(".xls"):
        raise _file_error(_("Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or "
                            "as CSV UTF-8 and upload it again."), "unsupported_format")
    if data.startswith(b"PK\x03\x04") or lowered.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    return [_trimmed(row) for row in rows]


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


def _layout(rows: list[list[str]]) -> _Layout:
    header_index = next((index for index, row in enumerate(rows) if any(row)), None)
    if header_index is None:
        raise _file_error(_("The file is empty."), "empty_file")
    headers = rows[header_index]
    if len(headers) > MAX_COLUMNS:
        raise _file_error(_("The file has more than %(limit)d columns.")
                          % {"limit": MAX_COLUMNS}, "too_many_columns")
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
    return _Layout(header_index + 1, fields, headers, field_columns)


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
    too many rows, empty, unreadable, no name column. Row problems are reported, not raised.
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
    data_rows = [(number, row) for number, row in enumerate(rows[layout.header_row:],
                                                             start=layout.header_row + 1)
                 if any(row)]
    if not data_rows:
        raise _file_error(_("The file has no rows under its header."), "no_rows")
    if len(data_rows) > MAX_ROWS:
        raise _file_error(
            _("The file has more than %(limit)s rows. Split it into files of at most "
              "%(limit)s rows.") % {"limit": f"{MAX_ROWS:,}"}, "too_many_rows")
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


def lead_imports_recent(*, limit: int = 10) -> QuerySet[LeadImport]:
    """The latest imports for the history on the upload page: one query."""
    return LeadImport.objects.select_related("source", "created_by").defer(
        "rows", "problems", "columns").order_by("-created_at", "-id")[:limit]


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
    "lead_import_cancel", "lead_import_confirm", "lead_import_create", "lead_imports_recent",
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
