"""Demo charge items and standards for every demo office (run from ``manage.py seed_demo``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from portal import demo

from .models import ChargeItem, ChargeStandard, StandardTier

EFFECTIVE_FROM = datetime.date(2024, 1, 1)
# Property fee per m² by office; an office not listed pays the first price.
PROPERTY_FEE = {"chengdong": Decimal("2.80"), "binjiang": Decimal("3.20")}
WATER_TIERS = [(Decimal("15"), Decimal("3.50")), (Decimal("30"), Decimal("4.80")), (None, Decimal("6.20"))]


def _items(office_code: str):
    """(code, name, kind, measure unit, standard name, unit price, tiers)."""
    fee = PROPERTY_FEE.get(office_code, PROPERTY_FEE["chengdong"])
    kind = ChargeItem.Kind
    return [
        ("property-fee", "物业费 (Property fee)", kind.PER_AREA, "", f"¥{fee}/m²", fee, []),
        ("garbage", "垃圾清运费 (Garbage collection)", kind.FIXED_PER_UNIT, "", "¥15/户", Decimal("15"), []),
        ("parking", "车位管理费 (Parking management)", kind.FIXED_PER_PARKING, "", "¥150/车位", Decimal("150"), []),
        ("water", "水费 (Water)", kind.METERED, "m³", "阶梯水价 (Tiered water)", None, WATER_TIERS),
        ("electricity", "电费 (Electricity)", kind.METERED, "kWh", "¥0.588/kWh", Decimal("0.588"), []),
    ]


def seed_demo_charges() -> int:
    """Create the demo charge items and their standards where missing; returns how many items were new."""
    from portal.properties.models import Office

    created = 0
    for office in Office.objects.filter(code__in=[spec.code for spec in demo.OFFICES]):
        for code, name, kind, measure, standard_name, price, tiers in _items(office.code):
            item, new = ChargeItem.objects.get_or_create(
                office=office, code=code, defaults={"name": name, "kind": kind, "measure_unit": measure}
            )
            created += new
            if item.standards.exists():
                continue
            standard = ChargeStandard.objects.create(
                item=item, name=standard_name, effective_from=EFFECTIVE_FROM, unit_price=price
            )
            StandardTier.objects.bulk_create(
                [StandardTier(standard=standard, up_to=up_to, unit_price=tier_price) for up_to, tier_price in tiers]
            )
    return created


BILLED_MONTHS = 3  # two earlier months and this one
# Households per office whose earlier months are paid at the desk: one in ten, at most 300. Each payment
# goes through the full desk path (ledger postings, receipt, notification), about 30 ms apiece, so the demo
# pays a sample rather than every household: seeding stays within a minute, and the reports have history.
PAYING_SHARE_DIVISOR = 10
PAYING_HOUSEHOLDS_PER_OFFICE = 300


def _first_days(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` months up to this one, oldest first."""
    firsts, year, month = [], today.year, today.month
    for _ in range(count):
        firsts.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def seed_demo_bills(today: datetime.date) -> int:
    """Billing runs for the last three months of every demo office; a sample of households paid the earlier ones.

    Payments are taken as front-desk cash by the office's billing clerk, so receipts, the daily cash report
    and the ledger have history; the demo resident has paid the earlier months and owes this one.
    Returns how many bills were issued.
    """
    import random

    from commerce.payments.models import Payment
    from commerce.payments.services import record_desk_payment
    from portal.people.models import StaffMembership, StaffRole
    from portal.properties.models import Office

    from .models import Bill, BillingRun
    from .runs import execute_run, month_bounds

    issued = 0
    months = _first_days(today, BILLED_MONTHS)
    for office in Office.objects.filter(code__in=[spec.code for spec in demo.OFFICES]).order_by("pk"):
        clerk = (
            StaffMembership.objects.active()
            .filter(office=office, role=StaffRole.BILLING_CLERK)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if clerk is None or BillingRun.objects.filter(office=office).exists():
            continue
        for month in months:
            start, end = month_bounds(month)
            run = BillingRun.objects.create(office=office, period_start=start, period_end=end, created_by=clerk.user)
            issued += execute_run(run.pk).billed
        earlier = Bill.objects.filter(
            unit__building__community__office=office,
            period_start__lt=months[-1],
            status=Bill.Status.ISSUED,
            payer=Bill.Payer.HOUSEHOLD,
        ).select_related("unit__building")
        by_unit: dict[int, list[Bill]] = {}
        for bill in earlier.order_by("period_start", "pk"):
            by_unit.setdefault(bill.unit_id, []).append(bill)
        rng = random.Random(f"bills:{office.code}")
        paying = [bills for bills in by_unit.values() if _is_demo_resident(bills[0].unit)]
        others = [bills for bills in by_unit.values() if not _is_demo_resident(bills[0].unit)]
        sample_size = min(PAYING_HOUSEHOLDS_PER_OFFICE, max(1, len(others) // PAYING_SHARE_DIVISOR))
        paying += rng.sample(others, min(sample_size, len(others)))
        for bills in paying:
            total = sum((bill.total for bill in bills), Decimal("0"))
            record_desk_payment(clerk.user, bills[0].unit, total, Payment.Method.CASH, bills=bills)
    return issued


def _is_demo_resident(unit) -> bool:
    return unit.number == demo.DEMO_RESIDENT_UNIT and unit.building.name == demo.DEMO_RESIDENT_BUILDING
