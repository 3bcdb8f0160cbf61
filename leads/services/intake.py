"""Intake: every door (API, bulk API, file import, admin) creates leads through here."""

import datetime
import json
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record, audit_record_many, audit_snapshot
from coordination.core.errors import ApplicationError
from coordination.core.text import text_check, text_problem
from leads.models import OPEN_STATUSES, Campaign, Lead, Source
from leads.selectors import lead_settings

BULK_LIMIT = 1000
TEXT_FIELDS = {"name": 100, "wechat_id": 64, "company": 200, "region": 100,
               "product_interest": 100, "external_id": 100}
INPUT_FIELDS = {"name", "phone", "email", "wechat_id", "company", "region", "product_interest",
                "attributes", "campaign", "external_id"}


EMAIL_MAX_LENGTH = 254
# Attributes are a few extra facts a sending system adds (an ad group, a landing page): small
# and flat. Bounded so that no caller can store megabytes or nest it past what a page shows.
ATTRIBUTES_MAX_BYTES = 8192
ATTRIBUTES_MAX_DEPTH = 4
ATTRIBUTES_MAX_KEYS = 100
def _check_text(value: str, field: str, *, multiline: bool = False) -> None:
    text_check(value, field, multiline=multiline)


def _attributes_clean(attributes) -> dict:
    """Attributes as an object of names and values, small, shallow and storable as JSON."""
    if not isinstance(attributes, dict):
        raise ApplicationError(_("Attributes must be an object of names and values."),
                               code="invalid", field="attributes")
    if len(attributes) > ATTRIBUTES_MAX_KEYS:
        raise ApplicationError(_("At most %(limit)d attributes.") % {
            "limit": ATTRIBUTES_MAX_KEYS}, code="too_many", field="attributes")
    # Walked without recursion: depth is what is being checked.
    stack = [(attributes, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > ATTRIBUTES_MAX_DEPTH:
            raise ApplicationError(
                _("Attributes may nest at most %(depth)d levels deep.")
                % {"depth": ATTRIBUTES_MAX_DEPTH}, code="too_deep", field="attributes")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(str(key), "attributes", multiline=False)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value, "attributes", multiline=True)
        elif not (value is None or isinstance(value, bool | int | float)):
            raise ApplicationError(_("Attribute values must be text, numbers, true/false, "
                                     "lists or objects."), code="invalid", field="attributes")
    try:
        size = len(json.dumps(attributes, ensure_ascii=False, allow_nan=False).encode())
    except ValueError:  # NaN or infinity: not JSON
        raise ApplicationError(_("Attribute values must be finite numbers."), code="invalid",
                               field="attributes") from None
    if size > ATTRIBUTES_MAX_BYTES:
        raise ApplicationError(
            _("Attributes may take at most %(limit)d bytes as JSON; these take %(size)d.")
            % {"limit": ATTRIBUTES_MAX_BYTES, "size": size}, code="too_large",
            field="attributes")
    return attributes


def campaign_id_parse(value) -> int | None:
    """A campaign ID given as a whole number or as digits (0-9 only), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if isinstance(value, str):
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) < 19:
            return int(value)
    return None


def phone_normalize(raw: str, *, region: str = "CN") -> str:
    """The phone in E.164 (+8613800138000); ApplicationError on field "phone" if invalid."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    _check_text(raw, "phone")
    if len(raw) > 64:
        raise ApplicationError(_("At most %(limit)d characters.") % {"limit": 64},
                               code="max_length", field="phone")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ApplicationError(_("“%(phone)s” is not a valid phone number.") % {"phone": raw},
                               code="invalid_phone", field="phone")
    if number.extension:
        # Reps dial leads from their phones, where an extension cannot be dialled: refused
        # rather than silently dropped, so that the sender can put it in the notes.
        raise ApplicationError(
            _("“%(phone)s” has an extension, which cannot be stored: give the number without "
              "it and put the extension in the attributes or notes.") % {"phone": raw},
            code="phone_extension", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def lead_clean(*, data: dict, source: Source, campaigns: dict | None = None) -> dict:
    """Validate one lead's input. Returns the cleaned values; raises ApplicationError naming
    the first bad field. `campaigns` (id -> Campaign) saves a query per record in bulk."""
    if not isinstance(data, dict):
        raise ApplicationError(_("Each lead must be an object."), code="invalid")
    unknown = sorted(set(data) - INPUT_FIELDS - {"source"})
    if unknown:
        raise ApplicationError(_("Unknown field: %(field)s.") % {"field": unknown[0]},
                               code="unknown_field", field=unknown[0])
    cleaned: dict = {}
    for name, limit in TEXT_FIELDS.items():
        value = data.get(name) or ""
        if not isinstance(value, str | int):
            raise ApplicationError(_("Must be text."), code="invalid", field=name)
        value = str(value).strip()
        _check_text(value, name)
        if len(value) > limit:
            raise ApplicationError(
                _("At most %(limit)d characters.") % {"limit": limit}, code="max_length",
                field=name)
        cleaned[name] = value
    if not cleaned["name"]:
        raise ApplicationError(_("A lead needs a name."), code="required", field="name")
    phone = data.get("phone") or ""
    if not isinstance(phone, str | int) or isinstance(phone, bool):
        raise ApplicationError(_("Must be text."), code="invalid", field="phone")
    cleaned["phone"] = phone_normalize(str(phone))
    email = data.get("email") or ""
    if not isinstance(email, str):
        raise ApplicationError(_("Must be text."), code="invalid", field="email")
    email = email.strip().lower()
    _check_text(email, "email")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ApplicationError(_("At most %(limit)d characters.") % {"limit": EMAIL_MAX_LENGTH},
                               code="max_length", field="email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(_("“%(email)s” is not a valid e-mail address.")
                                   % {"email": email}, code="invalid_email",
                                   field="email") from None
    cleaned["email"] = email
    if not (cleaned["phone"] or cleaned["email"] or cleaned["wechat_id"]):
        raise ApplicationError(_("A lead needs a phone, an e-mail or a WeChat ID."),
                               code="no_contact", field="phone")
    cleaned["attributes"] = _attributes_clean(data.get("attributes") or {})
    campaign = data.get("campaign")
    cleaned["campaign"] = None
    if campaign not in (None, ""):
        if isinstance(campaign, Campaign):
            found = campaign
        else:
            campaign_id = campaign_id_parse(campaign)
            if campaign_id is None:
                raise ApplicationError(_("Campaign must be an ID."), code="invalid",
                                       field="campaign")
            found = (campaigns or {}).get(campaign_id) if campaigns is not None else \
                Campaign.objects.filter(pk=campaign_id).first()
        if found is None or found.source_id != source.pk:
            raise ApplicationError(_("No such campaign for this source."), code="invalid",
                                   field="campaign")
        cleaned["campaign"] = found
    return cleaned


def _duplicate_filter(phones: set[str], emails: set[str], since: datetime.datetime) -> Q:
    # The "not empty" terms let PostgreSQL use the partial indexes on phone and e-mail even
    # for long IN lists.
    match = Q(pk__in=[])
    if phones:
        match |= Q(phone__in=phones) & ~Q(phone="")
    if emails:
        match |= Q(email__in=emails) & ~Q(email="")
    return match & Q(status__in=OPEN_STATUSES, created_at__gte=since)


def _duplicates_for(rows: list[dict], now: datetime.datetime) -> dict[str, Lead]:
    """Open leads within the window sharing a phone or e-mail: key -> oldest such lead."""
    window = datetime.timedelta(days=lead_settings().duplicate_window_days)
    phones = {row["phone"] for row in rows if row["phone"]}
    emails = {row["email"] for row in rows if row["email"]}
    if not phones and not emails:
        return {}
    found: dict[str, Lead] = {}
    for lead in (Lead.objects.filter(_duplicate_filter(phones, emails, now - window))
                 .select_related("duplicate_of").order_by("created_at", "id")):
        # A match that is itself a duplicate points to its original.
        original = lead.duplicate_of or lead
        for key in (f"phone:{lead.phone}", f"email:{lead.email}"):
            if not key.endswith(":"):
                found.setdefault(key, original)
    return found


def _original_for(row: dict, duplicates: dict[str, Lead]) -> Lead | None:
    for key in (f"phone:{row['phone']}", f"email:{row['email']}"):
        if not key.endswith(":") and key in duplicates:
            return duplicates[key]
    return None


def _schedule_assignment(lead_ids: list[int]) -> None:
    from leads.tasks import leads_assign_task

    for start in range(0, len(lead_ids), 100):
        leads_assign_task.delay_on_commit(lead_ids[start:start + 100])


@dataclass
class IntakeResult:
    lead: Lead
    created: bool


@transaction.atomic
def lead_create(*, source: Source, data: dict, actor=None,
                now: datetime.datetime | None = None) -> IntakeResult:
    """Create one lead, or return the existing one with the same (source, external_id).

    A lead with the phone or e-mail of an open lead created within the duplicate window is
    linked to it as a duplicate, never dropped. Assignment runs after the transaction commits.
    """
    now = now or timezone.now()
    if not source.is_active:
        raise ApplicationError(_("The source “%(source)s” is not active.") % {"source": source},
                               code="inactive_source", field="source")
    cleaned = lead_clean(data=data, source=source)
    if cleaned["external_id"]:
        existing = Lead.objects.filter(source=source, external_id=cleaned["external_id"]).first()
        if existing is not None:
            return IntakeResult(existing, False)
    original = _original_for(cleaned, _duplicates_for([cleaned], now))
    try:
        with transaction.atomic():
            lead = Lead.objects.create(source=source, duplicate_of=original,
                                       created_by=actor if getattr(actor, "pk", None) else None,
                                       **cleaned)
    except IntegrityError:
        # Another request created the same (source, external_id) a moment ago.
        existing = Lead.objects.filter(source=source, external_id=cleaned["external_id"]).first()
        if existing is None or not cleaned["external_id"]:
            raise
        return IntakeResult(existing, False)
    audit_record(actor=actor, verb="lead.created", obj=lead, after=audit_snapshot(lead))
    _schedule_assignment([lead.pk])
    return IntakeResult(lead, True)


def _link_duplicates_within(created: list[Lead]) -> None:
    """Records of one request sharing a phone or e-mail: the later ones become duplicates of
    the first (which may itself be a duplicate of an older lead, then of that one)."""
    first: dict[str, Lead] = {}
    changed = []
    for lead in created:
        keys = [key for key in (f"phone:{lead.phone}", f"email:{lead.email}")
                if not key.endswith(":")]
        earlier = next((first[key] for key in keys if key in first), None)
        if earlier is not None and lead.duplicate_of_id is None:
            lead.duplicate_of_id = earlier.duplicate_of_id or earlier.pk
            changed.append(lead)
        for key in keys:
            first.setdefault(key, lead)
    if changed:
        Lead.objects.bulk_update(changed, ["duplicate_of"], batch_size=500)


@dataclass
class BulkResult:
    created: list[Lead] = field(default_factory=list)
    existing: list[tuple[int, Lead]] = field(default_factory=list)  # (index, lead)
    failed: list[dict] = field(default_factory=list)  # {index, external_id, errors}
    created_indexes: list[int] = field(default_factory=list)


def lead_bulk_create(*, source: Source, records: list, actor=None,
                     now: datetime.datetime | None = None) -> BulkResult:
    """Create up to BULK_LIMIT leads in one call, each valid record exactly once.

    Records that fail validation are reported with their index and errors and do not stop the
    others; records whose (source, external_id) exists are returned as existing. The valid new
    ones are written in one transaction and assigned after it commits.
    """
    now = now or timezone.now()
    if not isinstance(records, list):
        raise ApplicationError(_("Send a list of leads."), code="invalid", field="leads")
    if len(records) > BULK_LIMIT:
        raise ApplicationError(
            _("At most %(limit)d leads per call; this one has %(count)d.")
            % {"limit": BULK_LIMIT, "count": len(records)}, code="too_many", field="leads")
    if not source.is_active:
        raise ApplicationError(_("The source “%(source)s” is not active.") % {"source": source},
                               code="inactive_source", field="source")
    result = BulkResult()
    campaign_ids = {
        campaign_id_parse(record.get("campaign")) for record in records
        if isinstance(record, dict)
    } - {None}
    campaigns = Campaign.objects.in_bulk(campaign_ids)
    valid: list[tuple[int, dict]] = []
    seen_external: dict[str, int] = {}
    for index, record in enumerate(records):
        try:
            cleaned = lead_clean(data=record, source=source, campaigns=campaigns)
        except ApplicationError as error:
            external_id = record.get("external_id", "") if isinstance(record, dict) else ""
            # Echoed back as the caller sent it, but only as storable, printable text.
            if not isinstance(external_id, str | int) or text_problem(str(external_id)):
                external_id = ""
            external_id = str(external_id)[:100]
            result.failed.append({"index": index, "external_id": external_id,
                                  "errors": [{"field": error.field, "code": error.code,
                                              "message": error.message}]})
            continue
        external_id = cleaned["external_id"]
        if external_id and external_id in seen_external:
            result.failed.append({"index": index, "external_id": external_id, "errors": [{
                "field": "external_id", "code": "repeated_in_request",
                "message": _("The same external ID appears earlier in this request (record "
                             "%(index)d).") % {"index": seen_external[external_id]}}]})
            continue
        if external_id:
            seen_external[external_id] = index
        valid.append((index, cleaned))

    with transaction.atomic():
        existing = {
            lead.external_id: lead for lead in Lead.objects.filter(
                source=source, external_id__in=[c["external_id"] for _i, c in valid
                                                if c["external_id"]])
        }
        new_rows = []
        for index, cleaned in valid:
            if cleaned["external_id"] in existing:
                result.existing.append((index, existing[cleaned["external_id"]]))
            else:
                new_rows.append((index, cleaned))
        duplicates = _duplicates_for([c for _i, c in new_rows], now)
        creator = actor if getattr(actor, "pk", None) else None
        leads = [Lead(source=source, duplicate_of=_original_for(cleaned, duplicates),
                      created_by=creator, **cleaned) for _i, cleaned in new_rows]
        try:
            with transaction.atomic():
                created = Lead.objects.bulk_create(leads, batch_size=500)
        except IntegrityError:
            # A concurrent call created some of the same external IDs: fall back to one by one,
            # which returns those as existing.
            for index, cleaned in new_rows:
                outcome = lead_create(source=source, data={**cleaned, "campaign": (
                    cleaned["campaign"].pk if cleaned["campaign"] else None)}, actor=actor,
                    now=now)
                if outcome.created:
                    result.created.append(outcome.lead)
                    result.created_indexes.append(index)
                else:
                    result.existing.append((index, outcome.lead))
            return result
        _link_duplicates_within(created)
        result.created = created
        result.created_indexes = [index for index, _c in new_rows]
        audit_record_many(actor=actor, verb="lead.created", objects=created)
        _schedule_assignment([lead.pk for lead in created])
    return result


CONTACT_FIELDS = ("name", "phone", "email", "wechat_id", "company", "region",
                  "product_interest", "attributes", "campaign")


@transaction.atomic
def lead_update_contact(*, lead: Lead, data: dict, actor=None) -> Lead:
    """Correct a lead's contact details under intake's rules (phone normalised, a contact
    required, campaign of the same source). Source, external ID, owner and status are not
    changed here: they have their own services."""
    lead = Lead.objects.select_for_update(of=("self",)).select_related("source").get(pk=lead.pk)
    current = {name: getattr(lead, name) for name in CONTACT_FIELDS}
    cleaned = lead_clean(data={**current, **{k: v for k, v in data.items()
                                             if k in CONTACT_FIELDS},
                               "external_id": lead.external_id}, source=lead.source)
    before = audit_snapshot(lead, list(CONTACT_FIELDS))
    for name in CONTACT_FIELDS:
        setattr(lead, name, cleaned[name])
    lead.save()
    audit_record(actor=actor, verb="lead.contact_changed", obj=lead, before=before,
                 after=audit_snapshot(lead, list(CONTACT_FIELDS)))
    return lead
