"""Import meter readings of one office from CSV or Excel (.xlsx): meter code, date, reading.

All or nothing, like the property imports: every row is checked first and a file with any bad row
(unknown meter, not a date, not a number, a date not after the meter's last reading…) imports
nothing, listing every bad row with its line number. A reading lower than the last one, or with
abnormal usage, is not an error: it is imported HELD for confirmation, and the result says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit.recorder import record_action
from portal.properties.importers import DATE_FORMATS
from portal.properties.tabular import Column, ImportRefused, Row, RowError, read_table, refuse, table_rows

from . import services
from .models import Meter, MeterReading

COLUMNS = (
    Column(
        "meter",
        gettext_lazy("Meter code"),
        ("表号", "表编号", "水表编号", "仪表编号", "meter", "code"),
        hint=gettext_lazy("The code of a meter of the chosen office."),
    ),
    Column(
        "date",
        gettext_lazy("Reading date"),
        ("抄表日期", "日期", "date"),
        hint=gettext_lazy("Like 2026-01-31; not in the future."),
    ),
    Column(
        "value",
        gettext_lazy("Reading"),
        ("读数", "本次读数", "表读数", "本月读数", "value"),
        hint=gettext_lazy("The number on the meter, at most 3 decimals."),
    ),
)


@dataclass
class HeldRow:
    line: int
    meter: str
    reason: str


@dataclass
class ImportResult:
    created: int
    held: list[HeldRow] = field(default_factory=list)


@dataclass
class _Planned:
    line: int
    meter: Meter
    date: dt.date
    value: Decimal


def _date(row: Row) -> dt.date | None:
    raw = row.raw.get("date")
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = row.required("date", COLUMNS)
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    row.errors.append(_("“%(value)s” is not a date; write it like 2026-01-31.") % {"value": text})
    return None


def _value(row: Row) -> Decimal | None:
    raw = row.raw.get("value")
    text = row.required("value", COLUMNS)
    if not text:
        return None
    try:
        # Excel stores 1234.5 as a binary float; its shortest repr is what the user typed.
        return services.parse_value(repr(raw) if isinstance(raw, float) else text)
    except ValidationError as exc:
        row.errors.extend(exc.messages)
        return None


def import_readings(user, office, uploaded) -> ImportResult:
    """Check every row, then record all readings in one transaction (or nothing)."""
    if not services.may_read(user, office):
        raise PermissionDenied
    rows = table_rows(read_table(uploaded), COLUMNS)
    codes = {row.text("meter").lower() for row in rows} - {""}
    meters = {m.code.lower(): m for m in Meter.objects.filter(office=office) if m.code.lower() in codes}
    today = timezone.localdate()
    factor, average_over = services.office_rules(office.pk)

    with transaction.atomic():
        # Lock the meters so no reading slips in between the checks and the writes.
        locked = list(Meter.objects.select_for_update().filter(pk__in=[m.pk for m in meters.values()]))
        states = {m.pk: services.meter_state(m, average_over) for m in locked}
        planned: list[_Planned] = []
        seen: dict[tuple[int, dt.date], int] = {}
        for row in rows:
            code = row.required("meter", COLUMNS)
            meter = meters.get(code.lower()) if code else None
            if code and meter is None:
                row.errors.append(_("Unknown meter “%(code)s” in %(office)s.") % {"code": code, "office": office})
            date = _date(row)
            value = _value(row)
            if meter is None or date is None:
                continue
            if (meter.pk, date) in seen:
                row.errors.append(
                    _("Meter %(meter)s is also read on %(date)s on line %(line)d.")
                    % {"meter": meter.code, "date": date.isoformat(), "line": seen[(meter.pk, date)]}
                )
                continue
            seen[(meter.pk, date)] = row.line
            row.errors.extend(services.check_new(meter, date, states[meter.pk], today))
            if value is not None and not row.errors:
                planned.append(_Planned(row.line, meter, date, value))
        errors = [RowError(row.line, message) for row in rows for message in row.errors]
        if errors:
            raise ImportRefused(errors)
        try:
            result = _write(user, planned, states, factor, average_over)
        except IntegrityError:
            refuse(_("Someone else entered readings of these meters meanwhile; nothing was imported."))
        summary = _("Imported %(count)d meter readings") % {"count": result.created}
        record_action(office, summary, {"file": uploaded.name})
    return result


def _write(user, planned: list[_Planned], states, factor, average_over) -> ImportResult:
    """Record the checked readings meter by meter in date order; a held one holds the later ones too."""
    by_meter: dict[int, list[_Planned]] = defaultdict(list)
    for item in planned:
        by_meter[item.meter.pk].append(item)
    result = ImportResult(created=0)
    new = []
    for meter_rows in by_meter.values():
        meter_rows.sort(key=lambda item: item.date)
        state = states[meter_rows[0].meter.pk]
        previous = (state.last.value, state.last.date) if state.last else None
        history = services.history_of(state.history)
        held_line = None
        for item in meter_rows:
            assessed = services.assess(item.meter, item.date, item.value, previous, history, factor)
            status, reason = assessed.status, assessed.reason
            if held_line is not None:
                status = MeterReading.Status.HELD
                reason = _("Follows the held reading on line %(line)d.") % {"line": held_line}
            if status == MeterReading.Status.HELD:
                held_line = held_line or item.line
                result.held.append(HeldRow(item.line, item.meter.code, reason))
            elif assessed.usage is not None:
                history = [(assessed.usage, max((item.date - previous[1]).days, 1)), *history][:average_over]
            new.append(
                MeterReading(
                    meter=item.meter,
                    date=item.date,
                    value=item.value,
                    previous_value=assessed.previous_value,
                    previous_date=assessed.previous_date,
                    usage=assessed.usage,
                    status=status,
                    flag_reason=reason[:300],
                    source=MeterReading.Source.IMPORT,
                    entered_by=user,
                )
            )
            previous = (item.value, item.date)
    MeterReading.objects.bulk_create(new)
    result.created = len(new)
    result.held.sort(key=lambda row: row.line)
    return result


def template_csv(language: str | None = None) -> bytes:
    import csv
    import io

    from django.utils import translation

    chinese = (language or translation.get_language() or "").lower().startswith("zh")
    with translation.override("en"):
        names = [c.chinese if chinese else str(c.label) for c in COLUMNS]
    buffer = io.StringIO()
    csv.writer(buffer).writerow(names)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
