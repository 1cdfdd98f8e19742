"""Correcting a reading after it was billed (抄表更正): the posted bills stay, the difference follows.

A billing clerk or office manager corrects an accepted or confirmed reading with a reason. The reading
carries the new value from then on (its old value is kept in ``ReadingCorrection``, append-only), so
the next usage is counted from the right number. Each issued bill line that counted the reading (as
the end or the start of its usage) is priced again for its own month at the corrected usage (tiers
and the standard of that month apply), and the difference is stored as a ``UsageCorrection``.

The next monthly run bills each difference as a correction line of the same charge item, with the
whole story in its explanation: a charge when the household was under-billed, a credit when it was
over-billed. A credit is set against the metered charges of that bill and what is left of it waits
for the following bills, so a bill never goes below zero. The old bill, its ledger posting and what
was paid toward it are never touched; the correction's income lands in the month it is billed,
the way an accountant books a correction found after the books of a month are closed.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from commerce.billing.charges import ChargeError, compute_charge
from commerce.billing.models import BillLine

from . import services
from .models import (
    Apportionment,
    Meter,
    MeterBillLine,
    MeterReading,
    ReadingCorrection,
    UsageCorrection,
)

ZERO = Decimal("0.00")


def _neighbours(reading: MeterReading):
    live = MeterReading.objects.filter(meter_id=reading.meter_id, status__in=MeterReading.LIVE).exclude(pk=reading.pk)
    before = live.filter(date__lt=reading.date).order_by("-date").first()
    after = live.filter(date__gt=reading.date).order_by("date").first()
    return before, after


def check_correction(reading: MeterReading, new_value: Decimal) -> None:
    """Why ``reading`` cannot take ``new_value`` (raises ``ValidationError``); call with the meter locked."""
    if reading.status not in MeterReading.BILLABLE:
        raise ValidationError(
            _("Only an accepted or confirmed reading can be corrected; a held reading is confirmed or rejected."),
            code="status",
        )
    if new_value == reading.value:
        raise ValidationError(_("The corrected reading is the same as the reading."), code="same")
    before, after = _neighbours(reading)
    if before is not None and new_value < before.value <= reading.value:
        raise ValidationError(
            _("The corrected reading cannot be lower than the reading before it (%(value)s on %(date)s).")
            % {"value": services.show(before.value), "date": before.date.isoformat()},
            code="below_previous",
        )
    if after is not None and new_value > after.value >= reading.value:
        raise ValidationError(
            _("The corrected reading cannot be higher than the reading after it (%(value)s on %(date)s).")
            % {"value": services.show(after.value), "date": after.date.isoformat()},
            code="above_next",
        )
    apportioned = Apportionment.objects.filter(
        Q(master_from_reading=reading) | Q(master_to_reading=reading), superseded=False
    )
    if apportioned.exists():
        raise ValidationError(
            _(
                "This shared-meter reading was used to split the loss (公摊) of %(month)s. Correct the sub-meters' "
                "readings instead, or ask headquarters to re-split that month."
            )
            % {"month": f"{apportioned.first().period_start:%Y-%m}"},
            code="apportioned",
        )


def billed_lines(reading: MeterReading):
    """The issued bill lines whose usage starts or ends at ``reading``."""
    line_ids = MeterBillLine.objects.filter(
        Q(from_reading=reading) | Q(to_reading=reading), bill_line__bill__status="issued"
    ).values("bill_line_id")
    return BillLine.objects.filter(pk__in=line_ids).select_related("bill__unit", "item").order_by("bill__period_start")


def _line_usage(line: BillLine) -> Decimal:
    """The line's usage from its readings as they are now (the sum of its segments across a meter swap)."""
    segments = MeterBillLine.objects.filter(bill_line=line, to_reading__isnull=False).select_related(
        "meter", "from_reading", "to_reading"
    )
    return services.quantity(
        sum(((s.to_reading.value - s.from_reading.value) * s.meter.multiplier for s in segments), Decimal(0))
    )


def _billed_so_far(line: BillLine) -> tuple[Decimal, Decimal]:
    """(usage, amount) the line stands for now: as posted, or as its latest correction put it."""
    last = UsageCorrection.objects.filter(bill_line=line).order_by("-pk").first()
    return (last.usage_after, last.amount_after) if last else (line.quantity, line.amount)


def correct_reading(reading: MeterReading, new_value, by, reason: str) -> ReadingCorrection:
    """Correct a billable reading; returns the correction with its ``usage_corrections`` (maybe none)."""
    if not services.may_read(by, reading.meter.office_id):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the correction; the household sees it on the bill."), code="reason")
    new_value = services.parse_value(new_value)
    with transaction.atomic():
        meter = Meter.objects.select_for_update().get(pk=reading.meter_id)
        reading = MeterReading.objects.select_for_update().get(pk=reading.pk)
        check_correction(reading, new_value)
        old_value = reading.value
        reading.value = new_value
        if reading.previous_value is not None:
            reading.usage = services.quantity((new_value - reading.previous_value) * meter.multiplier)
        reading.save(update_fields=["value", "usage"])
        _before, after = _neighbours(reading)
        if after is not None and after.previous_value is not None:  # it was counted from this reading
            after.previous_value = new_value
            after.usage = services.quantity((after.value - new_value) * meter.multiplier)
            after.save(update_fields=["previous_value", "usage"])
        correction = ReadingCorrection.objects.create(
            reading=reading, old_value=old_value, new_value=new_value, reason=reason[:300], corrected_by=by
        )
        for line in billed_lines(reading):
            usage_before, amount_before = _billed_so_far(line)
            usage_after = _line_usage(line)
            if usage_after == usage_before:
                continue
            bill = line.bill
            try:
                priced = compute_charge(bill.unit, line.item, bill.period_start, bill.period_end, usage=usage_after)
            except ChargeError as exc:
                raise ValidationError(str(exc), code="price") from None
            UsageCorrection.objects.create(
                correction=correction,
                bill_line=line,
                unit=bill.unit,
                item=line.item,
                meter=meter,
                period_start=bill.period_start,
                usage_before=usage_before,
                usage_after=usage_after,
                amount_before=amount_before,
                amount_after=priced.amount,
                amount=priced.amount - amount_before,
            )
    return correction


def remaining(corrections):
    """Annotate ``corrections`` (a queryset) with ``applied``: what issued bills have billed of each."""
    from django.db.models import DecimalField, Sum, Value
    from django.db.models.functions import Coalesce

    return corrections.annotate(
        applied=Coalesce(
            Sum("bill_lines__bill_line__amount", filter=Q(bill_lines__bill_line__bill__status="issued")),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


def pending(office, before_period):
    """Usage corrections of the office still (partly) to bill on a run of the month ``before_period`` or later."""
    rows = remaining(
        UsageCorrection.objects.filter(
            meter__office=office, bill_line__bill__status="issued", period_start__lt=before_period
        )
    ).select_related("correction__reading", "meter", "item")
    return [row for row in rows.order_by("pk") if row.amount - row.applied != 0]
