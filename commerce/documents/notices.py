"""What a payment notice (缴费通知单) says: a household's bills with something left to pay.

One household through ``payments.services.due_bills``; a building or a community in a few queries
whatever its size (bills, their lines, adjustments and residents fetched in batches).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import prefetch_related_objects
from django.utils import timezone

from commerce.adjustments.models import BillAdjustment, LateFeePolicy
from commerce.billing.models import Bill, BillLine
from commerce.ledger.services import from_cents, sum_in_cents
from commerce.payments.services import due_bills, outstanding_by_bill
from portal.properties.models import Company, Office, Unit

from .households import resident_names

ZERO = Decimal("0.00")
# Keeps every IN (...) list well below the database's parameter limits on a large community.
CHUNK = 2000


@dataclass
class NoticeBill:
    bill: Bill
    lines: list[BillLine]
    adjustments: list[tuple[str, Decimal]]  # (kind label, sum), e.g. late fees, waivers
    paid: Decimal
    outstanding: Decimal
    due_date: datetime.date | None


@dataclass
class Notice:
    unit: Unit
    office: Office
    company: Company
    residents: list[str]
    issued_on: datetime.date
    currency: str
    bills: list[NoticeBill] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((item.outstanding for item in self.bills), ZERO)


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _adjustments(bills) -> dict[int, list[tuple[str, Decimal]]]:
    labels = dict(BillAdjustment.Kind.choices)
    order = list(labels)
    found = defaultdict(list)
    for chunk in _chunks(bill.pk for bill in bills):
        rows = (
            BillAdjustment.objects.filter(bill_id__in=chunk)
            .values("bill_id", "kind")
            .annotate(cents=sum_in_cents())
            .order_by()
        )
        for row in rows:
            found[row["bill_id"]].append((row["kind"], from_cents(row["cents"])))
    return {
        pk: [(labels.get(kind, kind), amount) for kind, amount in sorted(rows, key=lambda r: order.index(r[0]))]
        for pk, rows in found.items()
    }


def _policies(office_ids) -> dict[int, LateFeePolicy]:
    return {policy.office_id: policy for policy in LateFeePolicy.objects.filter(office_id__in=set(office_ids))}


def _notice(unit, bills, adjustments, policy, names, on) -> Notice:
    office = unit.building.community.office
    company = office.region.company
    notice = Notice(
        unit=unit,
        office=office,
        company=company,
        residents=names.get(unit.pk, []),
        issued_on=on,
        currency=(company.currency or "CNY").upper(),
    )
    for bill in bills:
        adjusted = adjustments.get(bill.pk, [])
        notice.bills.append(
            NoticeBill(
                bill=bill,
                lines=list(bill.lines.all()),
                adjustments=adjusted,
                # What the bill still owes is its charges and adjustments less what was paid.
                paid=bill.total + sum((amount for _label, amount in adjusted), ZERO) - bill.outstanding,
                outstanding=bill.outstanding,
                due_date=policy.due_date(bill) if policy else None,
            )
        )
    return notice


def _with_office(units):
    return units.select_related("building__community__office__region__company")


def notice_for_unit(unit: Unit, on: datetime.date | None = None) -> Notice:
    """The notice of one household; its ``bills`` is empty when nothing is due."""
    on = on or timezone.localdate()
    unit = _with_office(Unit.objects.filter(pk=unit.pk)).get()
    bills = due_bills(unit)
    prefetch_related_objects(bills, "lines__item")
    policy = _policies([unit.building.community.office_id]).get(unit.building.community.office_id)
    return _notice(unit, bills, _adjustments(bills), policy, resident_names([unit.pk], on), on)


def notices_for_units(units, on: datetime.date | None = None) -> list[Notice]:
    """Notices of the households among ``units`` (a queryset) with something due, in unit order."""
    on = on or timezone.localdate()
    candidates = Bill.objects.filter(
        unit__in=units.values("pk"), status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD
    ).order_by("period_start", "pk")
    due = []
    for chunk in _chunks(candidates):
        owed = outstanding_by_bill(chunk)
        for bill in chunk:
            bill.outstanding = owed[bill.pk]
            if bill.outstanding > 0:
                due.append(bill)
    by_unit = defaultdict(list)
    for bill in due:
        by_unit[bill.unit_id].append(bill)
    for chunk in _chunks(due):
        prefetch_related_objects(chunk, "lines__item")
    adjustments = _adjustments(due)
    owing_units = []
    for chunk in _chunks(by_unit):
        owing_units += _with_office(Unit.objects.filter(pk__in=chunk))
    owing_units.sort(key=lambda u: (u.building.community.name, u.building.name, u.floor, u.number))
    policies = _policies(u.building.community.office_id for u in owing_units)
    names = {}
    for chunk in _chunks(by_unit):
        names.update(resident_names(chunk, on))
    return [
        _notice(unit, by_unit[unit.pk], adjustments, policies.get(unit.building.community.office_id), names, on)
        for unit in owing_units
    ]
