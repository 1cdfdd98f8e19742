"""Metered lines for the monthly billing run, loaded for a whole office and month at once.

    metered = MeteredUsage.load(office, period_start, period_end)  # a handful of queries
    lines = metered.lines_for(unit, items)  # no queries of its own besides compute_charge's

A unit gets one line per unit meter with usage in the period (usage from its billable readings,
explained by the readings: “1234.5 → 1250 m³ · …”) and one share line per shared meter whose loss
was apportioned to it (“公摊 …”). A unit without a reading for a metered item gets no line for it;
``notes`` says how many, and how many wait on a held reading.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commerce.billing.charges import ChargeLine, compute_charge
from commerce.billing.models import ChargeItem
from commerce.money import format_money
from portal.properties.models import Unit

from . import apportionment, corrections, services
from .models import Apportionment, Meter, MeterBillLine, MeterReading, UsageCorrection

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MeteredLine(ChargeLine):
    """A charge line with where it came from, so the bill can show the readings or the calculation later."""

    meter_id: int | None = None
    from_reading_id: int | None = None
    to_reading_id: int | None = None
    share_id: int | None = None
    correction_id: int | None = None
    # (meter id, from reading id, to reading id) per meter when a replacement joins two meters' usage
    segments: tuple = ()


@dataclass(frozen=True)
class UnitShare:
    master: Meter
    quantity: object
    key: str
    share_id: int | None


class MeteredUsage:
    def __init__(self, office, period_start, period_end):
        self.office = office
        self.period_start: datetime.date = period_start
        self.period_end: datetime.date = period_end
        self.usages: dict[tuple[int, int], list[services.PeriodUsage]] = defaultdict(list)  # (unit, item)
        self.held: set[tuple[int, int]] = set()  # (unit, item) with a held reading waiting
        self.shares: dict[tuple[int, int], list[UnitShare]] = defaultdict(list)
        self.problems: list[str] = []
        self.unit_ids: set[int] = set()
        self.corrections: dict[tuple[int, int], list[UsageCorrection]] = defaultdict(list)

    @classmethod
    def load(cls, office, period_start, period_end, *, persist: bool = False) -> MeteredUsage:
        """Usages and apportionments of every meter of the office; ``persist`` stores the apportionments."""
        self = cls(office, period_start, period_end)
        meters_qs = Meter.objects.filter(office=office)
        meters = {m.pk: m for m in meters_qs.select_related("unit__building__community", "charge_item")}
        starts = services.baselines(meters_qs, period_start)
        in_period: dict[int, list[MeterReading]] = defaultdict(list)
        readings = (
            MeterReading.objects.filter(meter__office=office, date__lte=period_end)
            .filter(Q(status=MeterReading.Status.HELD) | Q(date__gte=period_start, status__in=MeterReading.BILLABLE))
            .order_by("date")
        )
        for reading in readings:
            if reading.status == MeterReading.Status.HELD:
                meter = meters[reading.meter_id]
                if meter.unit_id:
                    self.held.add((meter.unit_id, meter.charge_item_id))
            else:
                in_period[reading.meter_id].append(reading)
        usages = {pk: services.usage_from(m, starts.get(pk), in_period.get(pk, [])) for pk, m in meters.items()}
        services.combine_replacements(meters, usages)
        for pk, usage in usages.items():
            meter = meters[pk]
            if usage is not None and meter.unit_id:
                self.usages[(meter.unit_id, meter.charge_item_id)].append(usage)
        self.unit_ids = set(Unit.objects.filter(building__community__office=office).values_list("pk", flat=True))
        self._apportion(meters, usages, persist)
        for correction in corrections.pending(office, period_start):
            self.corrections[(correction.unit_id, correction.item_id)].append(correction)
        return self

    def _apportion(self, meters, usages, persist: bool) -> None:
        subs = defaultdict(list)
        for meter in meters.values():
            if meter.parent_id:
                subs[meter.parent_id].append(meter)
        saved = {
            row.meter_id: row
            for row in Apportionment.objects.filter(
                meter__office=self.office, period_start=self.period_start, superseded=False
            ).prefetch_related("shares")
        }
        billed = set(
            MeterBillLine.objects.filter(
                share__apportionment__in=saved.values(), bill_line__bill__status="issued"
            ).values_list("share__apportionment_id", flat=True)
        )
        for master in (m for m in meters.values() if m.is_shared and m.active):
            existing = saved.get(master.pk)
            if existing is not None and existing.pk in billed:
                self._add_saved(master, existing)
                continue
            try:
                calc = apportionment.calculate_from(
                    master, sorted(subs[master.pk], key=lambda m: m.pk), usages, self.period_start, self.period_end
                )
            except apportionment.ApportionmentError as exc:
                self.problems.append(str(exc))
                continue
            if persist:
                self._add_saved(master, apportionment.save(calc))
            else:
                for share in calc.shares:
                    self.shares[(share.unit.pk, master.charge_item_id)].append(
                        UnitShare(master, share.quantity, calc.key, None)
                    )

    def _add_saved(self, master, saved: Apportionment) -> None:
        for share in saved.shares.all():
            self.shares[(share.unit_id, master.charge_item_id)].append(
                UnitShare(master, share.quantity, saved.key, share.pk)
            )

    def lines_for(self, unit, items, standard_of=None) -> list[ChargeLine]:
        """The unit's non-zero metered lines for the metered ones of ``items``.

        ``standard_of(unit, item)``, when given, supplies the standard (a batch run has them loaded).
        """
        lines = []

        def charge(item, usage):
            standard = standard_of(unit, item) if standard_of else None
            return compute_charge(unit, item, self.period_start, self.period_end, usage=usage, standard=standard)

        for item in items:
            if item.kind != ChargeItem.Kind.METERED:
                continue
            for usage in self.usages.get((unit.pk, item.pk), []):
                line = charge(item, usage.usage)
                if line.amount != 0:
                    segments = getattr(usage, "segments", ())
                    lines.append(
                        MeteredLine(
                            **_fields(line, f"{usage.describe(item.measure_unit)} · {line.explanation}"),
                            meter_id=usage.meter.pk,
                            from_reading_id=usage.start.pk,
                            to_reading_id=usage.end.pk,
                            segments=tuple((s.meter.pk, s.start.pk, s.end.pk) for s in segments),
                        )
                    )
            for share in self.shares.get((unit.pk, item.pk), []):
                if not share.quantity:
                    continue
                line = charge(item, share.quantity)
                key = Meter.Key(share.key).label
                explanation = _("Shared meter (公摊) %(meter)s, %(key)s: %(steps)s") % {
                    "meter": share.master.code,
                    "key": str(key).lower(),
                    "steps": line.explanation,
                }
                if line.amount != 0:
                    lines.append(
                        MeteredLine(**_fields(line, explanation), meter_id=share.master.pk, share_id=share.share_id)
                    )
        for item in items:
            for correction in self.corrections.get((unit.pk, item.pk), []):
                line = self._correction_line(unit, item, correction, sum((x.amount for x in lines), Decimal(0)))
                if line is not None:
                    lines.append(line)
        return lines

    def _correction_line(self, unit, item, correction, metered_so_far) -> MeteredLine | None:
        """The line billing what is left of a usage correction; a credit only up to the bill's metered charges."""
        left = correction.amount - correction.applied
        # A bill must charge something (the ledger refuses a zero posting): a credit leaves at least a cent of
        # the bill's metered charges, and the rest of it waits for the next bill.
        amount = left if left > 0 else min(max(left, CENT - metered_so_far), ZERO)
        if amount == 0:
            return None  # a credit with nothing to set it against here waits for a later bill
        reading = correction.correction.reading
        currency = (unit.building.community.office.region.company.currency or "CNY").upper()
        explanation = _(
            "Correction of %(month)s: meter %(meter)s, reading of %(date)s corrected from %(old)s to %(new)s "
            "(%(reason)s); usage %(before)s → %(after)s %(measure)s, %(billed)s → %(right)s"
        ) % {
            "month": f"{correction.period_start:%Y-%m}",
            "meter": correction.meter.code,
            "date": reading.date.isoformat(),
            "old": services.show(correction.correction.old_value),
            "new": services.show(correction.correction.new_value),
            "reason": correction.correction.reason[:80],
            "before": services.show(correction.usage_before),
            "after": services.show(correction.usage_after),
            "measure": item.measure_unit,
            "billed": format_money(correction.amount_before, currency),
            "right": format_money(correction.amount_after, currency),
        }
        if amount != left:
            explanation += " · " + _("credited here: %(part)s of %(left)s; the rest on a later bill") % {
                "part": format_money(-amount, currency),
                "left": format_money(-left, currency),
            }
        delta = correction.usage_delta
        quantity = delta if amount == correction.amount else services.quantity(delta * amount / correction.amount)
        return MeteredLine(
            item=item,
            standard=None,
            amount=amount,
            quantity=quantity,
            unit_price=None,
            explanation=explanation[:500],
            meter_id=correction.meter_id,
            correction_id=correction.pk,
        )

    def notes(self, items) -> list[str]:
        """Per metered item: how many units have no usable reading, and how many wait on a held one."""
        notes = []
        for item in items:
            if item.kind != ChargeItem.Kind.METERED:
                continue
            with_usage = {unit_id for (unit_id, item_id) in self.usages if item_id == item.pk}
            held = {unit_id for (unit_id, item_id) in self.held if item_id == item.pk} - with_usage
            without = len(self.unit_ids - with_usage - held)
            if without:
                notes.append(
                    ngettext(
                        "“%(item)s”: %(count)d unit has no reading for this month and is not billed for it.",
                        "“%(item)s”: %(count)d units have no reading for this month and are not billed for it.",
                        without,
                    )
                    % {"item": item.name, "count": without}
                )
            if held:
                notes.append(
                    ngettext(
                        "“%(item)s”: %(count)d unit has a reading held for confirmation and is not billed for it.",
                        "“%(item)s”: %(count)d units have readings held for confirmation and are not billed for it.",
                        len(held),
                    )
                    % {"item": item.name, "count": len(held)}
                )
        waiting = sum(len(rows) for rows in self.corrections.values())
        if waiting:
            notes.append(
                ngettext(
                    "%(count)d reading correction of an earlier month is charged or credited on this run.",
                    "%(count)d reading corrections of earlier months are charged or credited on this run.",
                    waiting,
                )
                % {"count": waiting}
            )
        return notes + self.problems


def _fields(line: ChargeLine, explanation: str) -> dict:
    fields = {f.name: getattr(line, f.name) for f in dataclasses.fields(ChargeLine)}
    fields["explanation"] = explanation
    return fields


def _sources(bill_line, line: MeteredLine):
    if line.segments:
        for meter_id, from_id, to_id in line.segments:
            yield MeterBillLine(bill_line=bill_line, meter_id=meter_id, from_reading_id=from_id, to_reading_id=to_id)
        return
    yield MeterBillLine(
        bill_line=bill_line,
        meter_id=line.meter_id,
        from_reading_id=line.from_reading_id,
        to_reading_id=line.to_reading_id,
        share_id=line.share_id,
        correction_id=line.correction_id,
    )


def record_sources(bill_lines, lines) -> None:
    """Link the saved bill lines to the readings, shares or corrections they came from (after bulk_create)."""
    MeterBillLine.objects.bulk_create(
        source
        for bill_line, line in zip(bill_lines, lines, strict=True)
        if isinstance(line, MeteredLine) and line.meter_id
        for source in _sources(bill_line, line)
    )
