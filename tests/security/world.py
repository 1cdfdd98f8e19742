"""The security suite's fixture world: two offices, two households, two merchants, and an object of every app.

Everything that belongs to office A (its community, the resident's household, merchant A) is what outsiders
probe: the manager of office B, a resident of office B, a neighbour in the same building, headquarters of
another company and the owner of merchant B. The core world of the access matrix is reused and extended with
the objects the matrix does not need (refunds, adjustment requests, collection, surveys, waitlists...).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from commerce.billing.models import UnitStandardAssignment
from commerce.payments import services as payment_services
from frontend.models import NewsIndexPage, NewsPage, NoticeIndexPage, NoticePage
from frontend.site_setup import ensure_site
from portal.audit.models import AuditEntry
from portal.people.models import StaffMembership, StaffRole
from portal.properties.models import ParkingSpace
from tests.core import test_access_matrix as matrix
from tests.factories import (
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    InvitationFactory,
    OfficeFactory,
    RegionFactory,
    ResidentMembershipFactory,
    UnitFactory,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)

RESIDENT_PHONE = "13800138001"
NEIGHBOUR_PHONE = "13900139002"


def build():
    home = ensure_site()
    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company)
    office_a, office_b = OfficeFactory(region=region), OfficeFactory(region=region)
    community_a, community_b = CommunityFactory(office=office_a), CommunityFactory(office=office_b)
    grid_a = GridFactory(community=community_a)
    building_a = BuildingFactory(community=community_a)
    unit_a = UnitFactory(building=building_a, grid=grid_a, number="A-1101")
    unit_a2 = UnitFactory(building=building_a, grid=grid_a, number="A-1102")
    unit_b = UnitFactory(building=BuildingFactory(community=community_b), number="B-0901")
    resident = AccountFactory(full_name="Resident Ruan", phone=RESIDENT_PHONE)
    membership = ResidentMembershipFactory(user=resident, unit=unit_a)
    neighbour = AccountFactory(full_name="Neighbour Ni", phone=NEIGHBOUR_PHONE)
    ResidentMembershipFactory(user=neighbour, unit=unit_a2)
    far_resident = AccountFactory(full_name="Far Fang")
    ResidentMembershipFactory(user=far_resident, unit=unit_b)

    manager_a = matrix._staff(company, StaffRole.OFFICE_MANAGER, office_a)
    manager_b = matrix._staff(company, StaffRole.OFFICE_MANAGER, office_b)
    headquarters = matrix._staff(company, StaffRole.HEADQUARTERS)
    other_company_hq = matrix._staff(CompanyFactory(name="Other Property"), StaffRole.HEADQUARTERS)
    technician_a = matrix._staff(company, StaffRole.TECHNICIAN, office_a)
    front_desk_a = matrix._staff(company, StaffRole.FRONT_DESK, office_a)
    technician_membership = StaffMembership.objects.get(user=technician_a)

    parking_a = ParkingSpace.objects.create(community=community_a, number="P-77", unit=unit_a)
    from commerce.billing import runs as billing_runs
    from commerce.billing.models import BillingRun, ChargeItem, ChargeStandard

    charge_item = ChargeItem.objects.create(office=office_a, code="mgmt-fee-a", name="Property fee A", kind="per_area")
    standard = ChargeStandard.objects.create(
        item=charge_item, name="Standard A", effective_from=datetime.date(2026, 1, 1), unit_price=Decimal("2.80")
    )
    assignment = UnitStandardAssignment.objects.create(
        unit=unit_a, item=charge_item, standard=standard, effective_from=datetime.date(2026, 1, 1)
    )
    billing_run = BillingRun.objects.create(
        office=office_a, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)
    )
    bill_a = billing_runs.execute_run(billing_run.pk).bills.get(unit=unit_a)
    payment_a = payment_services.record_desk_payment(manager_a, unit_a, "1.00", "cash", prepayment=True)
    online_payment_a = payment_services.pay_online(resident, unit_a)
    invitation = InvitationFactory(unit=unit_a2, issued_by=manager_a, code="MATRIX01")
    join_request = matrix._join_request_for(unit_a2)
    audit_entry = AuditEntry.objects.create(
        actor_id=manager_a.pk,
        actor_label="Manager A",
        action="update",
        object_type="properties.Unit",
        object_id=str(unit_a.pk),
        object_label="Unit A-1101 audited",
        office_id=office_a.pk,
        company_id=company.pk,
    )
    meeting_a = matrix._open_meeting(manager_a, community_a)
    party_a = meeting_a.roll.get(owners=resident)
    facility_a, booking_a = matrix._clubhouse_booking(resident, unit_a, community_a)
    notice = matrix._publish(
        NoticeIndexPage.objects.child_of(home).get(),
        NoticePage(title="Water off in building A", community=community_a, body="<p>Tue 9-12</p>"),
        buildings=[building_a],
    )
    news = matrix._publish(
        NewsIndexPage.objects.child_of(home).get(),
        NewsPage(title="Lotus festival in community A", community=community_a, intro="Come along"),
    )
    work_order = matrix._work_order(resident, unit_a, manager_a, technician_a)
    service_a, provider_a, service_order_a = matrix._service_order(resident, unit_a, manager_a, technician_a)
    conversation_a, campaign_a = matrix._chat_and_campaign(resident, unit_a, manager_a)
    market_merchant_a, market_order_a, shop_owner_a, shop_owner_b = matrix._market_order(resident, unit_a, company)
    meter_reading_a, notice_batch_a = matrix._meters_and_notices(office_a, unit_a, community_a)
    world = SimpleNamespace(**locals())
    _workorder_extras(world)
    _clubhouse_extras(world)
    _voting_extras(world)
    _money_extras(world)
    _market_extras(world)
    _notification_extras(world)
    return world


def _workorder_extras(w):
    from portal.workorders.models import PriceItem, ServiceSettings, WorkOrderPhoto

    w.workorder_settings = ServiceSettings.objects.get_or_create(office=w.office_a)[0]
    w.price_item = PriceItem.objects.create(office=w.office_a, kind="material", name="Tap washer A", price=Decimal("5"))
    w.workorder_photo = WorkOrderPhoto.objects.create(
        order=w.work_order,
        stage="before",
        image=ContentFile(PNG, name="leak.png"),
        uploaded_by=w.resident,
    )


def _clubhouse_extras(w):
    from portal.clubhouse.models import (
        ClassWaitlistEntry,
        Closure,
        ClubhouseSettings,
        Enrolment,
        Suspension,
        Teacher,
        TrainingClass,
        WaitlistEntry,
    )

    now = timezone.now()
    w.closure = Closure.objects.create(
        facility=w.facility_a,
        starts_at=now + datetime.timedelta(days=20),
        ends_at=now + datetime.timedelta(days=21),
        reason="Repaint A",
    )
    w.teacher = Teacher.objects.create(office=w.office_a, name="Teacher Tan A")
    w.training_class = TrainingClass.objects.create(
        community=w.community_a, title="Matrix yoga A", capacity=5, fee=Decimal("0"), teacher=w.teacher
    )
    w.enrolment = Enrolment.objects.create(
        training_class=w.training_class,
        user=w.resident,
        unit=w.unit_a,
        student="Ruan junior",
        payment_method="household",
    )
    w.class_waitlist_entry = ClassWaitlistEntry.objects.create(
        training_class=w.training_class,
        user=w.resident,
        unit=w.unit_a,
        student="Ruan junior",
        payment_method="household",
    )
    w.suspension = Suspension.objects.create(
        office=w.office_a, unit=w.unit_a, until=timezone.localdate() + datetime.timedelta(days=3), reason="No-shows"
    )
    w.clubhouse_settings = ClubhouseSettings.objects.get_or_create(office=w.office_a)[0]
    w.waitlist_entry = WaitlistEntry.objects.create(
        slot=w.booking_a.slot, user=w.resident, unit=w.unit_a, people=1, payment_method="household"
    )


def _voting_extras(w):
    from portal.voting.models import Survey, UnitArea

    w.unit_area = UnitArea.objects.get_or_create(unit=w.unit_a, defaults={"registered_area": Decimal("89.50")})[0]
    now = timezone.now()
    w.survey = Survey.objects.create(
        community=w.community_a,
        title="Matrix survey A",
        created_by=w.manager_a,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
    )


def _money_extras(w):
    from commerce.adjustments import waivers
    from commerce.collection import services as collection
    from commerce.deposits import services as deposits
    from commerce.payments import refunds
    from commerce.payments.models import ProviderEvent

    w.deposit_a = deposits.take_deposit(
        w.manager_a, w.unit_a, kind="renovation", amount="2000", method="cash", payer_name="Owner A"
    )
    w.refund_a = refunds.request_refund(w.manager_a, w.payment_a, Decimal("0.50"), "Overpaid A")
    w.provider_event = ProviderEvent.objects.create(
        gateway="dummy", event_id="evt_matrix_a", type="payment.succeeded", payload={}, office=w.office_a
    )
    w.adjustment_request = waivers.request_adjustment(w.bill_a, w.manager_a, "waiver", "Hardship A", amount="1.00")
    w.mandate = collection.save_mandate(
        w.manager_a, w.unit_a, account_holder="Ruan", bank_name="Bank A", account_number="6222020200112233445"
    )
    w.collection_batch = collection.create_batch(w.manager_a, w.office_a, datetime.date(2026, 1, 31))
    from commerce.meters.models import MeterReading

    w.held_reading = MeterReading.objects.create(
        meter=w.meter_reading_a.meter, date=datetime.date(2026, 2, 28), value=Decimal("9000"), status="held"
    )


def _market_extras(w):
    from commerce.marketplace.models import GroupBuy

    variant = w.market_order_a.lines.first().variant
    w.product_a = variant.product
    w.group_buy = GroupBuy.objects.create(
        merchant=w.market_merchant_a,
        variant=variant,
        title="Matrix group buy A",
        price=Decimal("4.00"),
        min_households=3,
        deadline=timezone.now() + datetime.timedelta(days=5),
    )


def _notification_extras(w):
    from notifications import chat

    w.notification = w.resident.notifications.first()
    w.chat_message = chat.post_message(w.resident, w.conversation_a, "About the leak")
    w.chat_photo = chat.post_message(w.resident, w.conversation_a, "", image=ContentFile(PNG, name="leak.png"))
