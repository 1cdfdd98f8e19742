"""A small company with known answers for the leadership report, first quarter of 2025.

Office a (Garden a: building 3 with units 101 and 102, building 5 with unit 501) bills ¥60 property
fee + ¥40 garbage a month per unit; office b (Garden b: building 3, unit 201) ¥100 (one item,
"Property fee" too). January and February 2025 are billed.

Payments: 101 pays ¥100 (January), 102 pays ¥150 (January, half of February), 501 nothing; 201 pays
¥300 today, ¥200 on its bills and ¥100 ahead.

    office a   receivable 600  collected 250  outstanding 350  rate 41.67 %
      building 3  400 / 250 / 150 (62.50 %)      building 5  200 / 0 / 200 (0.00 %)
      property fee 360 / 150 / 210               garbage 240 / 100 / 140
    office b   receivable 200  collected 200  outstanding 0    rate 100.00 %
    company    receivable 800  collected 450  outstanding 350  rate 56.25 %

Work orders received in February 2025 (one in May, outside the quarter):
    office a (building 3): repair plumbing, dispatched in time, finished in time, rated 5, visit satisfied;
      repair plumbing, dispatched late, finished late, rated 3, visits satisfied then not;
      complaint noise, dispatched in time, open; enquiry other, not dispatched.
    office b: repair electrical, dispatched in time, open.

Clubhouse (Garden a): a function room, 10 places, open Mondays 09:00–12:00 in 1-hour slots: 13 Mondays
in the quarter, 39 slots, less 2 closed on 31 March = 37 open hours; bookings hold 5 + 10 places
(confirmed, checked in) = 1.5 booked hours (a cancelled and a pending one do not count): 4.05 %.

Services (office a, February): completed ¥80, confirmed ¥120, cancelled late keeping ¥20, a quote
request: 2 orders, GMV ¥220. Marketplace (Garden a, paid in February): completed ¥100 (commission ¥8),
paid ¥50 (commission ¥4, not yet earned), a cancelled ¥30: 2 orders, GMV ¥150, commission ¥8.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from commerce.billing.models import ChargeItem
from commerce.payments import services as payments
from portal.people.models import StaffRole
from tests.billing.conftest import make_item
from tests.factories import AccountFactory, BuildingFactory, UnitFactory
from tests.properties.conftest import staff
from tests.reports.conftest import pay, run_month

D = Decimal
TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=TZ)


def build(site, other_site, company) -> SimpleNamespace:
    property_fee = make_item(site.office, "fixed_per_unit", code="property", price="60.00")
    garbage = make_item(site.office, "fixed_per_unit", code="garbage", price="40.00")
    other_fee = make_item(other_site.office, "fixed_per_unit", code="property", price="100.00")
    ChargeItem.objects.filter(pk__in=[property_fee.pk, other_fee.pk]).update(name="Property fee")
    ChargeItem.objects.filter(pk=garbage.pk).update(name="Garbage")

    building5 = BuildingFactory(community=site.community, name="5", floors=6)
    u101 = UnitFactory(building=site.building, grid=site.grid, number="101", floor=1)
    u102 = UnitFactory(building=site.building, grid=site.grid, number="102", floor=1)
    u501 = UnitFactory(building=building5, grid=site.grid, number="501", floor=5)
    u201 = UnitFactory(building=other_site.building, grid=other_site.grid, number="201", floor=2)

    for month in (1, 2):
        run_month(site.office, 2025, month)
        run_month(other_site.office, 2025, month)
    clerk = staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk A")
    other_clerk = staff(StaffRole.BILLING_CLERK, other_site.office, full_name="Clerk B")
    pay(clerk, u101, "100.00")
    pay(clerk, u102, "150.00")
    payments.record_desk_payment(other_clerk, u201, D("300.00"), "cash", prepayment=True)

    resident = AccountFactory(full_name="Resident R")
    _work_orders(site, other_site, u101, u201)
    _clubhouse(site, u101, resident)
    _services(site, u101, resident)
    _market(site, company, u101, resident)
    return SimpleNamespace(
        site=site,
        other_site=other_site,
        building5=building5,
        units=SimpleNamespace(u101=u101, u102=u102, u501=u501, u201=u201),
        manager=staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A"),
        other_manager=staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager B"),
        hq=staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ"),
        clerk=clerk,
        technician=staff(StaffRole.TECHNICIAN, site.office, full_name="Tech A"),
    )


def _work_orders(site, other_site, unit, other_unit):
    from portal.workorders.models import ReturnVisit, WorkOrder

    def order(n, office, unit, building, kind, category, received, **fields):
        return WorkOrder.objects.create(
            reference=f"WO-T{n}",
            office=office,
            unit=unit,
            building=building,
            kind=kind,
            category=category,
            description="x",
            received_at=received,
            dispatch_due_at=received + datetime.timedelta(minutes=3),
            promised_at=received + datetime.timedelta(days=2),
            **fields,
        )

    day = at("2025-02-10")
    later = day + datetime.timedelta(hours=2)
    first = order(
        1, site.office, unit, site.building, "repair", "plumbing", day,
        status="closed", dispatched_at=day, finished_at=later, rating=5,
    )  # fmt: skip
    second = order(
        2, site.office, unit, site.building, "repair", "plumbing", day,
        status="closed", dispatched_at=day + datetime.timedelta(minutes=10), dispatch_late=True,
        finished_at=day + datetime.timedelta(days=3), finished_late=True, rating=3,
    )  # fmt: skip
    order(3, site.office, unit, site.building, "complaint", "noise", day, status="dispatched", dispatched_at=day)
    order(4, site.office, unit, site.building, "enquiry", "other", day, status="new")
    order(5, site.office, unit, site.building, "repair", "plumbing", at("2025-05-05"), status="new")
    order(
        6, other_site.office, other_unit, other_site.building, "repair", "electrical", day,
        status="dispatched", dispatched_at=day,
    )  # fmt: skip
    ReturnVisit.objects.create(order=first, channel="phone", satisfied=True, result="ok", at=later)
    ReturnVisit.objects.create(order=second, channel="phone", satisfied=True, result="ok", at=later)
    ReturnVisit.objects.create(
        order=second, channel="phone", satisfied=False, result="leaks again", at=later + datetime.timedelta(days=4)
    )


def _clubhouse(site, unit, resident):
    from portal.clubhouse.models import Booking, Closure, Facility, OpeningHours, Slot

    room = Facility.objects.create(community=site.community, name="Function room", slot_minutes=60, capacity=10)
    OpeningHours.objects.create(facility=room, weekday=0, opens=datetime.time(9), closes=datetime.time(12))
    Closure.objects.create(facility=room, starts_at=at("2025-03-31", 9), ends_at=at("2025-03-31", 11), reason="Paint")
    slot = Slot.objects.create(facility=room, starts_at=at("2025-02-03", 9), ends_at=at("2025-02-03", 10), capacity=10)
    slot2 = Slot.objects.create(facility=room, starts_at=at("2025-02-10", 9), ends_at=at("2025-02-10", 10), capacity=10)
    for the_slot, places, status in (
        (slot, 5, "confirmed"),
        (slot2, 10, "checked_in"),
        (slot, 3, "cancelled"),
        (slot, 2, "pending"),
    ):
        Booking.objects.create(
            slot=the_slot,
            facility=room,
            unit=unit,
            booked_by=resident,
            people=places,
            places=places,
            status=status,
            payment_method="free",
        )
    return room


def _services(site, unit, resident):
    from services_catalog.models import Service, ServiceCategory, ServiceOrder

    category = ServiceCategory.objects.create(office=site.office, name="Housekeeping")
    service = Service.objects.create(
        office=site.office, category=category, name="Deep cleaning", summary="x", price_model="fixed", price=D("80")
    )
    orders = [("completed", "80", None), ("confirmed", "120", None), ("cancelled", "80", "20")]
    for n, (status, amount, kept) in enumerate([*orders, ("quote_requested", None, None)]):
        order = ServiceOrder.objects.create(
            office=site.office,
            service=service,
            unit=unit,
            ordered_by=resident,
            request_key=f"k{n}",
            slot_start=at("2025-02-12", 10),
            slot_end=at("2025-02-12", 12),
            price_model="fixed",
            unit_price=D("80"),
            amount=D(amount) if amount else None,
            kept_on_cancel=D(kept) if kept else None,
            status=status,
        )
        ServiceOrder.objects.filter(pk=order.pk).update(created_at=at("2025-02-11"))


def _market(site, company, unit, resident):
    from commerce.marketplace.models import Merchant, Order

    merchant = Merchant.objects.create(
        company=company,
        name="Fresh shop",
        legal_name="Fresh Ltd",
        licence_number="L1",
        licence="market/licences/x.pdf",
        contact_name="Ma",
        phone="1",
        address="Gate",
        status="approved",
    )
    for status, total, commission, paid in (
        ("completed", "100", "8", at("2025-02-14")),
        ("paid", "50", "4", at("2025-02-15")),
        ("cancelled", "30", "0", at("2025-02-15")),
        ("pending", "40", "0", None),
    ):
        Order.objects.create(
            merchant=merchant,
            unit=unit,
            community=site.community,
            placed_by=resident,
            status=status,
            fulfilment="pickup",
            total=D(total),
            commission=D(commission),
            paid_at=paid,
        )
