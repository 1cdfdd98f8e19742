"""Recording meter readings, holding abnormal ones, and confirming or rejecting them.

A reading's usage is (reading − the meter's previous live reading) × the meter's multiplier. A
reading is HELD for staff when it is lower than the previous one, or when its usage per day is
more than N× the meter's usual usage per day (N per office, default 3; usual = the billable usages
of the last readings, default 6, over the days they span). Held readings are not billed until a
billing clerk or office manager confirms them.

Usage of a billing period (see ``period_usage``): the last billable reading dated in the period
minus the reading the meter was last billed up to, times the multiplier. Before a meter's first
bill, the start is its last billable reading before the period (or, for a new meter, its first
reading in the period). So a month without a reading bills nothing and the next reading carries the
whole usage since the last bill; a held reading is simply not counted until it is confirmed, and
nothing is lost or billed twice in between.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import may_act_in_office

from .access import METER_ROLES
from .models import DEFAULT_ABNORMAL_FACTOR, DEFAULT_AVERAGE_OVER, Meter, MeterReading, MeterSettings

QUANTITY = Decimal("0.001")
MAX_VALUE = Decimal("999999999.999")


def may_read(user, office) -> bool:
    return may_act_in_office(user, METER_ROLES, office)


def quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY, rounding=ROUND_HALF_UP)


def show(value) -> str:
    """A reading or usage without trailing zeros (1234.5, 15, 0.001)."""
    text = f"{Decimal(value).normalize():f}"
    return text


def parse_value(raw) -> Decimal:
    """A meter reading from a Decimal, int or text; never a float. Raises ``ValidationError``."""
    if isinstance(raw, (float, bool)):
        raise ValidationError(_("The reading must be given exactly, not as a float."), code="float")
    text = raw.strip().replace(",", "") if isinstance(raw, str) else raw
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}, code="invalid") from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}, code="invalid")
    if value < 0:
        raise ValidationError(_("A reading cannot be negative."), code="negative")
    if value != value.quantize(QUANTITY, rounding=ROUND_HALF_UP):
        raise ValidationError(_("A reading has at most 3 decimal places."), code="precision")
    if value > MAX_VALUE:
        raise ValidationError(_("The reading is too large."), code="too_large")
    return value.quantize(QUANTITY)


def office_rules(office_id) -> tuple[Decimal, int]:
    row = MeterSettings.objects.filter(office_id=office_id).first()
    return (row.abnormal_factor, row.average_over) if row else (DEFAULT_ABNORMAL_FACTOR, DEFAULT_AVERAGE_OVER)


def update_settings(office, by, *, abnormal_factor: Decimal, average_over: int) -> MeterSettings:
    """Set how the office flags abnormal readings (office managers and billing clerks of the office)."""
    if not may_read(by, office):
        raise PermissionDenied
    row = MeterSettings(office=office, abnormal_factor=abnormal_factor, average_over=average_over, updated_by=by)
    row.full_clean(exclude=["office"])
    with transaction.atomic():
        row, _created = MeterSettings.objects.update_or_create(
            office=office,
            defaults={"abnormal_factor": abnormal_factor, "average_over": average_over, "updated_by": by},
        )
    return row


# --- checks and flags (shared by manual entry and import) ------------------------------------


@dataclass
class MeterState:
    """What a new reading of a meter is checked against: its last live reading and recent history."""

    last: MeterReading | None  # latest live (not rejected) reading
    held: MeterReading | None  # a held reading still waiting for staff
    history: list[MeterReading]  # latest billable readings with a usage, newest first


def meter_state(meter: Meter, average_over: int) -> MeterState:
    live = MeterReading.objects.filter(meter=meter, status__in=MeterReading.LIVE).order_by("-date")
    last = live.first()
    held = live.filter(status=MeterReading.Status.HELD).first()
    history = list(
        live.filter(status__in=MeterReading.BILLABLE, usage__isnull=False, previous_date__isnull=False)[:average_over]
    )
    return MeterState(last, held, history)


def check_new(meter: Meter, date: datetime.date, state: MeterState, today: datetime.date) -> list[str]:
    """Why a reading of ``meter`` on ``date`` cannot be recorded (empty: it can)."""
    errors = []
    if not meter.active:
        errors.append(_("Meter %(meter)s is not active.") % {"meter": meter.code})
    if date > today:
        errors.append(_("The reading date %(date)s is in the future.") % {"date": date.isoformat()})
    if state.held is not None:
        errors.append(
            _("Meter %(meter)s has a held reading of %(date)s: confirm or reject it first.")
            % {"meter": meter.code, "date": state.held.date.isoformat()}
        )
    elif state.last is not None and date == state.last.date:
        errors.append(
            _("Meter %(meter)s already has a reading on %(date)s.") % {"meter": meter.code, "date": date.isoformat()}
        )
    elif state.last is not None and date < state.last.date:
        errors.append(
            _("The date %(date)s is before the meter's last reading (%(last)s).")
            % {"date": date.isoformat(), "last": state.last.date.isoformat()}
        )
    return errors


@dataclass(frozen=True)
class Assessment:
    previous_value: Decimal | None
    previous_date: datetime.date | None
    usage: Decimal | None
    status: str
    reason: str


def assess(
    meter: Meter,
    date: datetime.date,
    value: Decimal,
    previous: tuple[Decimal, datetime.date] | None,
    history: list[tuple[Decimal, int]],
    factor: Decimal,
) -> Assessment:
    """The usage of a new reading and whether it is held. ``history``: (usage, days) of earlier readings."""
    if previous is None:
        return Assessment(None, None, None, MeterReading.Status.ACCEPTED, "")
    previous_value, previous_date = previous
    usage = quantity((value - previous_value) * meter.multiplier)
    if value < previous_value:
        reason = _("Lower than the previous reading (%(value)s on %(date)s).") % {
            "value": show(previous_value),
            "date": previous_date.isoformat(),
        }
        return Assessment(previous_value, previous_date, usage, MeterReading.Status.HELD, reason)
    days = max((date - previous_date).days, 1)
    total_usage = sum((u for u, _d in history), Decimal(0))
    total_days = sum(d for _u, d in history)
    if history and total_usage > 0 and total_days > 0:
        usual = total_usage * days / total_days
        if usage > factor * usual:
            reason = _(
                "Usage %(usage)s is more than %(factor)s× the usual %(usual)s for %(days)d days "
                "(average of the last %(count)d readings)."
            ) % {
                "usage": show(usage),
                "factor": show(factor),
                "usual": show(quantity(usual)),
                "days": days,
                "count": len(history),
            }
            return Assessment(previous_value, previous_date, usage, MeterReading.Status.HELD, reason)
    return Assessment(previous_value, previous_date, usage, MeterReading.Status.ACCEPTED, "")


def history_of(readings: list[MeterReading]) -> list[tuple[Decimal, int]]:
    return [(r.usage, max((r.date - r.previous_date).days, 1)) for r in readings]


# --- recording ---------------------------------------------------------------------------------


def record_reading(meter: Meter, date, value, by, *, source=MeterReading.Source.MANUAL) -> MeterReading:
    """Record one reading (accepted, or held with the reason). Raises ``ValidationError`` on bad input."""
    if not may_read(by, meter.office_id):
        raise PermissionDenied
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError(_("Give the reading date."), code="date")
    value = parse_value(value)
    factor, average_over = office_rules(meter.office_id)
    with transaction.atomic():
        meter = Meter.objects.select_for_update().get(pk=meter.pk)
        state = meter_state(meter, average_over)
        errors = check_new(meter, date, state, timezone.localdate())
        if errors:
            raise ValidationError(errors)
        previous = (state.last.value, state.last.date) if state.last else None
        result = assess(meter, date, value, previous, history_of(state.history), factor)
        try:
            with transaction.atomic():
                return MeterReading.objects.create(
                    meter=meter,
                    date=date,
                    value=value,
                    previous_value=result.previous_value,
                    previous_date=result.previous_date,
                    usage=result.usage,
                    status=result.status,
                    flag_reason=result.reason[:300],
                    source=source,
                    entered_by=by,
                )
        except IntegrityError:
            raise ValidationError(
                _("Meter %(meter)s already has a reading on %(date)s.")
                % {"meter": meter.code, "date": date.isoformat()}
            ) from None


def _decide(reading: MeterReading, status: str, by, note: str) -> MeterReading:
    if not may_read(by, reading.meter.office_id):
        raise PermissionDenied
    with transaction.atomic():
        reading = MeterReading.objects.select_for_update().select_related("meter").get(pk=reading.pk)
        reading.check_transition(status)
        live = MeterReading.objects.filter(meter=reading.meter, status__in=MeterReading.LIVE).exclude(pk=reading.pk)
        if status == MeterReading.Status.CONFIRMED:
            earlier = live.filter(status=MeterReading.Status.HELD, date__lt=reading.date).order_by("date").first()
            if earlier:
                raise ValidationError(
                    _("Confirm or reject the earlier held reading of %(date)s first.")
                    % {"date": earlier.date.isoformat()}
                )
        else:
            later = live.filter(date__gt=reading.date).order_by("-date").first()
            if later:
                raise ValidationError(
                    _("A later reading (%(date)s) was counted from this one: reject that one first.")
                    % {"date": later.date.isoformat()}
                )
        reading.status = status
        reading.decided_by = by
        reading.decided_at = timezone.now()
        reading.decision_note = (note or "").strip()[:300]
        reading.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return reading


def confirm_reading(reading: MeterReading, by, note: str = "") -> MeterReading:
    """A held reading is right after all: it is billed from now on."""
    return _decide(reading, MeterReading.Status.CONFIRMED, by, note)


def reject_reading(reading: MeterReading, by, reason: str) -> MeterReading:
    """A held reading is wrong: it is never billed, and the meter can be read again for that date."""
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for rejecting the reading."))
    return _decide(reading, MeterReading.Status.REJECTED, by, reason)


# --- usage of a period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodUsage:
    meter: Meter
    start: MeterReading  # the reading the period's usage is counted from
    end: MeterReading  # the last billable reading in the period
    usage: Decimal

    def describe(self, measure: str = "") -> str:
        """“1234.5 → 1250 m³”, with the multiplier when it is not 1."""
        unit = f" {measure}" if measure else ""
        text = f"{show(self.start.value)} → {show(self.end.value)}{unit}"
        if self.meter.multiplier != 1:
            text += f" × {show(self.meter.multiplier)}"
        return text


@dataclass(frozen=True)
class CombinedUsage:
    """Usage across a meter replacement: the old meter's last segment plus the new meter's first."""

    meter: Meter  # the new meter
    segments: tuple[PeriodUsage, ...]
    usage: Decimal

    @property
    def start(self) -> MeterReading:
        return self.segments[0].start

    @property
    def end(self) -> MeterReading:
        return self.segments[-1].end

    def describe(self, measure: str = "") -> str:
        """“W-1 1234.5 → 1240 + W-1N 0 → 8.5 m³” (each meter with its code)."""
        unit = f" {measure}" if measure else ""
        parts = []
        for segment in self.segments:
            text = f"{segment.meter.code} {show(segment.start.value)} → {show(segment.end.value)}"
            if segment.meter.multiplier != 1:
                text += f" × {show(segment.meter.multiplier)}"
            parts.append(text)
        return " + ".join(parts) + unit


def combine_replacements(meters: dict, usages: dict) -> None:
    """Where a meter was replaced and both it and its successor have usage, bill them as one usage.

    ``usages`` (meter id → usage) is changed in place: the new meter's entry becomes the combined
    usage and the old meter's entry is emptied, so a tiered price sees the month's whole usage.
    """
    from .models import MeterReplacement

    ids = [pk for pk in meters]
    for old_id, new_id in MeterReplacement.objects.filter(new_meter_id__in=ids).values_list(
        "old_meter_id", "new_meter_id"
    ):
        old, new = usages.get(old_id), usages.get(new_id)
        if old is None or new is None:
            continue
        segments = (*getattr(old, "segments", (old,)), *getattr(new, "segments", (new,)))
        usages[new_id] = CombinedUsage(meters[new_id], segments, quantity(sum((s.usage for s in segments), Decimal(0))))
        usages[old_id] = None


def usage_from(meter: Meter, baseline: MeterReading | None, in_period: list[MeterReading]) -> PeriodUsage | None:
    """The usage from ``baseline`` to the last of ``in_period`` (the period's billable readings, by date)."""
    if baseline is not None:
        in_period = [r for r in in_period if r.date > baseline.date]
    if not in_period:
        return None
    start = baseline or in_period[0]
    end = in_period[-1]
    if start.pk == end.pk:
        return None  # a new meter's very first reading only sets the baseline
    return PeriodUsage(meter, start, end, quantity((end.value - start.value) * meter.multiplier))


def baselines(meters, period_start: datetime.date) -> dict[int, MeterReading]:
    """Per meter id (of the ``meters`` queryset): the reading its usage is counted from in a period.

    Unit meters: the last reading billed on a live bill of an earlier month; shared meters: the end
    reading of their last apportionment; otherwise the last billable reading before the period.
    Two queries, however many meters.
    """
    from .models import Apportionment, MeterBillLine

    billed = (
        MeterBillLine.objects.filter(
            meter=OuterRef("pk"),
            to_reading__isnull=False,
            bill_line__bill__status="issued",
            bill_line__bill__period_start__lt=period_start,
        )
        .order_by("-to_reading__date")
        .values("to_reading")[:1]
    )
    apportioned = (
        Apportionment.objects.filter(meter=OuterRef("pk"), superseded=False, period_start__lt=period_start)
        .order_by("-period_start")
        .values("master_to_reading")[:1]
    )
    before = (
        MeterReading.objects.filter(meter=OuterRef("pk"), status__in=MeterReading.BILLABLE, date__lt=period_start)
        .order_by("-date")
        .values("pk")[:1]
    )
    pairs = meters.annotate(
        baseline_id=Coalesce(Subquery(billed), Subquery(apportioned), Subquery(before), output_field=BigIntegerField())
    ).values_list("pk", "baseline_id")
    wanted = {meter_id: reading_id for meter_id, reading_id in pairs if reading_id}
    readings = MeterReading.objects.in_bulk(set(wanted.values()))
    return {meter_id: readings[reading_id] for meter_id, reading_id in wanted.items()}


def period_usage(meter: Meter, period_start: datetime.date, period_end: datetime.date) -> PeriodUsage | None:
    """The billable usage of one meter over a period (None: no usage to bill). See the module docstring."""
    baseline = baselines(Meter.objects.filter(pk=meter.pk), period_start).get(meter.pk)
    in_period = list(
        MeterReading.objects.filter(
            meter=meter, status__in=MeterReading.BILLABLE, date__gte=period_start, date__lte=period_end
        ).order_by("date")
    )
    return usage_from(meter, baseline, in_period)
