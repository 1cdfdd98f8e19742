"""The full life of a repair over HTTP: filed by a resident on the site, or by the front desk for a caller."""

from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image

from commerce.billing.models import Bill
from notifications.models import Notification
from portal.workorders.models import PriceItem, WorkOrder, WorkOrderPhoto

from .conftest import jpeg, png

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def events_for(user, order):
    return list(
        Notification.objects.filter(recipient=user, context__ref=order.reference).values_list("event", flat=True)
    )


def technician_does_the_repair(client, w, order, *, price_item=None, resident=None):
    """On the way, check in, before photo, (a priced line accepted by the resident), after photo, finish."""
    as_user(client, w.tech)
    jobs = client.get(reverse("workorders:jobs"))
    assert order.reference in jobs.content.decode()

    def act(action, data=None):
        return client.post(reverse("workorders:job_action", args=[order.reference, action]), data or {})

    assert act("on-the-way").status_code == 302
    assert act("check-in").status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ON_SITE

    act("finish", {"resolution": "Replaced the washer."})
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ON_SITE, "finishing without before/after photos is refused"

    act("photos", {"stage": "before", "photos": [jpeg("before.jpg")]})
    if price_item is not None:
        act("line", {"price_item": price_item.pk, "quantity": "2"})
        order.refresh_from_db()
        assert order.charge_status == WorkOrder.ChargeStatus.PROPOSED
        assert order.charge_total == Decimal("70.00")
        act("photos", {"stage": "after", "photos": [jpeg("after.jpg")]})
        act("finish", {"resolution": "Replaced the washer."})
        order.refresh_from_db()
        assert order.status == WorkOrder.Status.ON_SITE, "the price must be accepted first"
        as_user(client, resident)
        client.post(reverse("workorders:action", args=[order.reference, "accept-charge"]))
        as_user(client, w.tech)
    else:
        act("photos", {"stage": "after", "photos": [jpeg("after.jpg")]})
    act("line", {"name": "rubber washer", "quantity": "1"})
    response = act("finish", {"resolution": "Replaced the washer."})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.AWAITING_ACCEPTANCE
    return order


def test_a_resident_files_a_repair_with_photos_and_follows_it_until_it_is_closed(client, w):
    price = PriceItem.objects.create(office=w.office, kind="labour", name="Tap repair", price=Decimal("35.00"))
    as_user(client, w.resident)
    assert client.get(reverse("workorders:new")).status_code == 200
    response = client.post(
        reverse("workorders:new"),
        {
            "unit": w.unit.pk,
            "kind": "repair",
            "area": "home",
            "category": "plumbing",
            "location": "kitchen sink",
            "description": "The tap drips all night.",
            "preferred_time": "2031-05-01T09:30",
            "photos": [jpeg(), png()],
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workorders:detail", args=[order.reference])
    assert order.reference.startswith("R") and order.status == WorkOrder.Status.NEW
    assert (order.grid, order.housekeeper, order.owner) == (w.site.grid, w.keeper, w.keeper)
    assert order.requested_by == w.resident and order.channel == "online"
    stored = order.photos.filter(stage=WorkOrderPhoto.Stage.REPORT)
    assert stored.count() == 2
    with Image.open(stored[0].image.path) as image:
        assert image.format == "JPEG" and not dict(image.getexif())
    assert "workorder.routed" in events_for(w.keeper, order)
    assert "workorder.received" in events_for(w.resident, order)

    as_user(client, w.keeper)
    board = client.get(reverse("workorders_board:index"))
    assert board.status_code == 200 and order.reference in board.content.decode()
    client.post(reverse("workorders_board:action", args=[order.pk, "dispatch"]), {"dispatch-technician": w.tech.pk})
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DISPATCHED and order.technician == w.tech and not order.dispatch_late

    technician_does_the_repair(client, w, order, price_item=price, resident=w.resident)
    order.refresh_from_db()
    bill = Bill.objects.get(unit=w.unit)
    assert order.bill == bill and bill.total == Decimal("70.00") and bill.source == f"workorders:repair:{order.pk}"
    assert order.charge_status == WorkOrder.ChargeStatus.POSTED
    assert order.lines.filter(chargeable=False, name="rubber washer").exists()

    as_user(client, w.resident)
    page = client.get(reverse("workorders:detail", args=[order.reference])).content.decode()
    assert "Replaced the washer." in page and "Dispatched to Tech Tang." in page
    client.post(reverse("workorders:action", args=[order.reference, "accept"]), {"rating": "5", "comment": "Quick!"})
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.RETURN_VISIT and order.rating == 5

    as_user(client, w.keeper)
    screen = client.get(reverse("workorders_board:detail", args=[order.pk])).content.decode()
    assert 'name="return-visit-result"' in screen and "Close without a return visit" in screen
    client.post(
        reverse("workorders_board:action", args=[order.pk, "return-visit"]),
        {"return-visit-channel": "phone", "return-visit-satisfied": "yes", "return-visit-result": "All good."},
    )
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CLOSED and order.return_visits.count() == 1
    keeper_heard = events_for(w.keeper, order)
    for event in (
        "workorder.dispatched",
        "workorder.on_the_way",
        "workorder.on_site",
        "workorder.finished",
        "workorder.accepted",
        "workorder.closed",
    ):
        assert event in keeper_heard, event
    resident_heard = events_for(w.resident, order)
    for event in (
        "workorder.dispatched",
        "workorder.charge_proposed",
        "workorder.finished",
        "workorder.charged",
        "workorder.closed",
    ):
        assert event in resident_heard, event
    statuses = list(order.events.exclude(to_status="").values_list("to_status", flat=True))
    assert statuses == ["dispatched", "on_the_way", "on_site", "awaiting_acceptance", "return_visit", "closed"]


def test_the_front_desk_files_a_repair_for_a_caller_and_stays_its_owner_to_the_end(client, w):
    as_user(client, w.desk)
    assert client.get(reverse("workorders_board:new")).status_code == 200
    response = client.post(
        reverse("workorders_board:new"),
        {
            "channel": "phone",
            "unit": w.unit.pk,
            "caller_name": "Mr Ruan",
            "caller_phone": "139 0000 0001",
            "kind": "repair",
            "area": "home",
            "category": "electrical",
            "description": "No power in the bedroom.",
            "photos": [jpeg()],
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.owner == w.desk and order.housekeeper == w.keeper and order.channel == "phone"
    assert order.requested_by == w.resident, "the caller's phone matches a member of the household"
    assert order.photos.count() == 1

    as_user(client, w.keeper)
    client.post(reverse("workorders_board:action", args=[order.pk, "dispatch"]), {"dispatch-technician": w.tech.pk})
    technician_does_the_repair(client, w, order)
    as_user(client, w.keeper)
    client.post(
        reverse("workorders_board:action", args=[order.pk, "return-visit"]),
        {"return-visit-channel": "message", "return-visit-satisfied": "yes", "return-visit-result": "Works now."},
    )
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CLOSED and order.accepted_at is None, "closed by a recorded return visit"
    desk_heard = events_for(w.desk, order)
    for event in (
        "workorder.received",
        "workorder.dispatched",
        "workorder.on_site",
        "workorder.finished",
        "workorder.return_visit",
        "workorder.closed",
    ):
        assert event in desk_heard, event
    assert not Bill.objects.exists(), "a free repair charges nothing"


def test_a_public_area_report_goes_to_the_buildings_grid_and_without_one_to_the_front_desk_queue(client, w):
    from portal.workorders import services
    from tests.factories import BuildingFactory

    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", area="public", category="elevator", description="Lift stuck"
    )
    assert order.building == w.site.building and order.housekeeper == w.keeper

    empty_building = BuildingFactory(community=w.site.community, name="9")
    queued = services.file_request(
        by=w.desk,
        building=empty_building,
        kind="repair",
        area="public",
        category="cleaning",
        description="Rubbish in the lobby",
        channel="walk_in",
        caller_name="Visitor",
    )
    assert queued.housekeeper is None and queued.owner == w.desk and queued.unit is None
    assert Notification.objects.filter(recipient=w.desk, event="workorder.queued").exists()


def test_staff_reassign_with_a_reason_and_the_new_housekeeper_is_told(client, w):
    from portal.workorders import services

    order = services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="Leak")
    as_user(client, w.manager)
    response = client.post(
        reverse("workorders_board:action", args=[order.pk, "reassign"]), {"reassign-housekeeper": w.keeper2.pk}
    )
    assert response.status_code == 422
    client.post(
        reverse("workorders_board:action", args=[order.pk, "reassign"]),
        {"reassign-housekeeper": w.keeper2.pk, "reassign-reason": "Hu is on leave"},
    )
    order.refresh_from_db()
    assert order.housekeeper == w.keeper2 and order.owner == w.keeper
    assert order.events.filter(kind="reassigned", note="Hu is on leave").exists()
    assert Notification.objects.filter(recipient=w.keeper2, event="workorder.reassigned").exists()


def test_a_resident_can_reopen_finished_work_with_a_reason(client, w):
    from portal.workorders import services

    order = services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="Leak")
    as_user(client, w.keeper)
    client.post(reverse("workorders_board:action", args=[order.pk, "dispatch"]), {"dispatch-technician": w.tech.pk})
    technician_does_the_repair(client, w, order)
    as_user(client, w.family)  # any member of the household may answer
    client.post(reverse("workorders:action", args=[order.reference, "reopen"]), {"reason": "Still dripping"})
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.NEW and order.reopen_count == 1
    assert Notification.objects.filter(recipient=w.tech, event="workorder.reopened").exists()


def test_a_complaint_is_answered_without_a_technician_and_judged_by_the_manager(client, w):
    from portal.workorders import services

    order = services.file_request(by=w.resident, unit=w.unit, kind="complaint", category="noise", description="Drums")
    assert order.reference.startswith("C")
    as_user(client, w.keeper)
    client.post(reverse("workorders_board:action", args=[order.pk, "answer"]), {"answer-reply": "We spoke to 1302."})
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.AWAITING_ACCEPTANCE
    as_user(client, w.manager)
    client.post(reverse("workorders_board:action", args=[order.pk, "valid"]))
    order.refresh_from_db()
    assert order.complaint_valid is True
