"""Shared-meter apportionment (公摊): the master meter's usage beyond its sub-meters, split across units.

loss = master usage − Σ sub-meter usage, over one billing month (usages as in ``services``). The
loss is split across the sub-meters' units by floor area or by the units' own usage: each share is
loss × key ÷ Σ key, cut to 3 decimal places, and what the cutting leaves over goes to the unit with
the largest key (the first of them on a tie), so the shares add up to the loss exactly. A negative
loss (the sub-meters used more than the master) is an error to check, never billed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from . import services
from .models import Apportionment, ApportionmentShare, Meter, MeterBillLine, MeterReading

ZERO = Decimal("0.000")


class ApportionmentError(ValueError):
    """The loss of a shared meter cannot be apportioned for the period (missing readings, negative loss…)."""


@dataclass
class ShareCalc:
    unit: object
    key_value: Decimal
    sub_usage: Decimal
    quantity: Decimal = ZERO


@dataclass
class Calculation:
    master: Meter
    period_start: datetime.date
    period_end: datetime.date
    key: str
    master_usage: services.PeriodUsage
    sub_usages: list[services.PeriodUsage]
    sub_total: Decimal
    loss: Decimal
    key_total: Decimal
    shares: list[ShareCalc] = field(default_factory=list)


def split(loss: Decimal, keys: list[Decimal]) -> list[Decimal]:
    """Shares of ``loss`` in proportion to ``keys``, to 3 places, summing to ``loss`` exactly."""
    total = sum(keys, Decimal(0))
    if not keys or total <= 0:
        raise ApportionmentError(_("There is nothing to split the loss by (the keys add up to 0)."))
    shares = [(loss * key / total).quantize(services.QUANTITY, rounding=ROUND_DOWN) for key in keys]
    largest = max(range(len(keys)), key=lambda i: (keys[i], -i))
    shares[largest] += loss - sum(shares, Decimal(0))
    return shares


def _month(start: datetime.date) -> str:
    return f"{start:%Y-%m}"


def calculate_from(
    master: Meter,
    sub_meters: list[Meter],
    usages: dict[int, services.PeriodUsage | None],
    period_start: datetime.date,
    period_end: datetime.date,
) -> Calculation:
    """The apportionment from usages already worked out (meter id → usage). Raises ``ApportionmentError``."""
    month = _month(period_start)
    master_usage = usages.get(master.pk)
    if master_usage is None:
        raise ApportionmentError(
            _("Shared meter %(meter)s has no usable reading for %(month)s.") % {"meter": master.code, "month": month}
        )
    if not sub_meters:
        raise ApportionmentError(_("Shared meter %(meter)s has no sub-meters.") % {"meter": master.code})
    missing = [m.code for m in sub_meters if m.active and usages.get(m.pk) is None]
    if missing:
        raise ApportionmentError(
            _("Sub-meters without a usable reading for %(month)s: %(meters)s.")
            % {"month": month, "meters": ", ".join(missing)}
        )
    sub_usages = [usages[m.pk] for m in sub_meters if usages.get(m.pk) is not None]
    sub_total = sum((u.usage for u in sub_usages), ZERO)
    loss = master_usage.usage - sub_total
    if loss < 0:
        raise ApportionmentError(
            _(
                "The sub-meters of %(meter)s used %(subs)s, more than the shared meter's %(master)s: "
                "the loss is negative (%(loss)s) and is not billed. Check the readings."
            )
            % {
                "meter": master.code,
                "subs": services.show(sub_total),
                "master": services.show(master_usage.usage),
                "loss": services.show(loss),
            }
        )
    per_unit: dict[int, ShareCalc] = {}
    for usage in sub_usages:
        unit = usage.meter.unit
        share = per_unit.get(unit.pk)
        if share is None:
            key_value = unit.floor_area if master.apportion_by == Meter.Key.AREA else ZERO
            share = per_unit[unit.pk] = ShareCalc(unit, Decimal(key_value), ZERO)
        share.sub_usage += usage.usage
        if master.apportion_by == Meter.Key.USAGE:
            share.key_value += usage.usage
    shares = sorted(per_unit.values(), key=lambda s: s.unit.pk)
    key_total = sum((s.key_value for s in shares), ZERO)
    if loss == 0:
        quantities = [ZERO for _s in shares]
    else:
        try:
            quantities = split(loss, [s.key_value for s in shares])
        except ApportionmentError:
            raise ApportionmentError(
                _("Shared meter %(meter)s: the sub-meters used nothing, so the loss cannot be split by usage.")
                % {"meter": master.code}
            ) from None
    for share, qty in zip(shares, quantities, strict=True):
        share.quantity = qty
    return Calculation(
        master, period_start, period_end, master.apportion_by, master_usage, sub_usages, sub_total, loss, key_total,
        shares,
    )  # fmt: skip


def calculate(master: Meter, period_start: datetime.date, period_end: datetime.date) -> Calculation:
    """Work out one shared meter's apportionment for a period from its readings (writes nothing)."""
    from .models import MeterReplacement

    subs = list(master.sub_meters.select_related("unit__building__community").order_by("pk"))
    ids = [master.pk, *[m.pk for m in subs]]
    # Meters these replaced: their last segment joins their successor's usage.
    ids += list(MeterReplacement.objects.filter(new_meter_id__in=ids).values_list("old_meter_id", flat=True))
    meters = Meter.objects.filter(pk__in=ids)
    by_id = {m.pk: m for m in meters.select_related("unit__building__community")}
    starts = services.baselines(meters, period_start)
    readings: dict[int, list[MeterReading]] = {}
    for reading in MeterReading.objects.filter(
        meter__in=meters, status__in=MeterReading.BILLABLE, date__gte=period_start, date__lte=period_end
    ).order_by("date"):
        readings.setdefault(reading.meter_id, []).append(reading)
    usages = {pk: services.usage_from(m, starts.get(pk), readings.get(pk, [])) for pk, m in by_id.items()}
    services.combine_replacements(by_id, usages)
    return calculate_from(master, subs, usages, period_start, period_end)


def current(master: Meter, period_start: datetime.date) -> Apportionment | None:
    return Apportionment.objects.filter(meter=master, period_start=period_start, superseded=False).first()


def is_billed(apportionment: Apportionment) -> bool:
    return MeterBillLine.objects.filter(share__apportionment=apportionment, bill_line__bill__status="issued").exists()


def _same(saved: Apportionment, calc: Calculation) -> bool:
    ours = {(s.unit.pk, s.key_value, s.quantity) for s in calc.shares}
    theirs = set(saved.shares.values_list("unit_id", "key_value", "quantity"))
    return (
        saved.key == calc.key
        and saved.master_from_reading_id == calc.master_usage.start.pk
        and saved.master_to_reading_id == calc.master_usage.end.pk
        and saved.loss == calc.loss
        and saved.sub_total == calc.sub_total
        and ours == theirs
    )


def save(calc: Calculation) -> Apportionment:
    """Store the calculation as the meter's apportionment for the period.

    An apportionment already billed to a unit is kept as it is (the other units are billed the same
    split); an unbilled one is replaced; one billed only on voided bills is kept as superseded history.
    """
    with transaction.atomic():
        Meter.objects.select_for_update().get(pk=calc.master.pk)
        existing = current(calc.master, calc.period_start)
        if existing is not None:
            if is_billed(existing) or _same(existing, calc):
                return existing
            if MeterBillLine.objects.filter(share__apportionment=existing).exists():
                existing.superseded = True
                existing.save(update_fields=["superseded"])
            else:
                existing.delete()
        saved = Apportionment.objects.create(
            meter=calc.master,
            period_start=calc.period_start,
            period_end=calc.period_end,
            key=calc.key,
            master_from_reading=calc.master_usage.start,
            master_to_reading=calc.master_usage.end,
            master_usage=calc.master_usage.usage,
            sub_total=calc.sub_total,
            loss=calc.loss,
            key_total=calc.key_total,
        )
        ApportionmentShare.objects.bulk_create(
            ApportionmentShare(
                apportionment=saved, unit=s.unit, key_value=s.key_value, sub_usage=s.sub_usage, quantity=s.quantity
            )
            for s in calc.shares
        )
    return saved


def apportion(master: Meter, period_start: datetime.date, period_end: datetime.date, by) -> Apportionment:
    """Calculate and store (back office); billing clerks and office managers only."""
    from django.core.exceptions import PermissionDenied

    if not services.may_read(by, master.office_id):
        raise PermissionDenied
    return save(calculate(master, period_start, period_end))
