"""A resident sees only their household's requests, a technician only their own orders, staff only their offices."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.workorders import services
from portal.workorders.models import WorkOrder

from .conftest import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(w):
    order = services.file_request(
        by=w.resident,
        unit=w.unit,
        kind="repair",
        category="plumbing",
        description="Leak under the sink",
        photos=[jpeg()],
        now=timezone.now(),
    )
    return services.dispatch(order, by=w.keeper, technician=w.tech)


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


def refused(response):
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/login/" in location or location == "/backoffice/"


def test_the_household_sees_its_request_and_neighbours_do_not(client, w, order):
    detail = reverse("workorders:detail", args=[order.reference])
    assert get(client, w.resident, detail).status_code == 200
    assert get(client, w.family, detail).status_code == 200
    for outsider in (w.neighbour, w.far_resident, w.other_manager):
        assert get(client, outsider, detail).status_code == 404
        assert order.reference not in get(client, outsider, reverse("workorders:index")).content.decode()


def test_a_neighbour_cannot_act_on_another_households_request(client, w, order):
    for action, data in [("withdraw", {"reason": "x"}), ("accept", {"rating": "1"}), ("reopen", {"reason": "x"})]:
        response = post(client, w.neighbour, reverse("workorders:action", args=[order.reference, action]), data)
        assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DISPATCHED


def test_a_resident_cannot_file_for_another_household(client, w):
    response = post(
        client,
        w.neighbour,
        reverse("workorders:new"),
        {"unit": w.unit.pk, "kind": "repair", "area": "home", "category": "plumbing", "description": "x"},
    )
    assert response.status_code == 422 and not WorkOrder.objects.exists()


def test_only_the_assigned_technician_works_on_an_order(client, w, order):
    job = reverse("workorders:job", args=[order.reference])
    assert get(client, w.tech, job).status_code == 200
    for outsider in (w.tech2, w.other_tech):
        assert get(client, outsider, job).status_code == 404
        assert (
            post(client, outsider, reverse("workorders:job_action", args=[order.reference, "check-in"])).status_code
            == 404
        )
        assert order.reference not in get(client, outsider, reverse("workorders:jobs")).content.decode()
    assert refused(get(client, w.resident, reverse("workorders:jobs")))
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DISPATCHED


def test_staff_of_another_office_cannot_see_or_touch_the_order(client, w, order):
    board = get(client, w.other_manager, reverse("workorders_board:index"))
    assert board.status_code == 200 and order.reference not in board.content.decode()
    assert get(client, w.other_manager, reverse("workorders_board:detail", args=[order.pk])).status_code == 404
    response = post(
        client,
        w.other_manager,
        reverse("workorders_board:action", args=[order.pk, "postpone"]),
        {"postpone-until": "2099-01-01T10:00", "postpone-reason": "mine now"},
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.postponements == 0


def test_technicians_and_residents_are_kept_off_the_dispatch_board(client, w, order):
    assert refused(get(client, w.tech, reverse("workorders_board:index")))
    assert refused(get(client, w.tech, reverse("workorders_board:detail", args=[order.pk])))
    assert refused(get(client, w.resident, reverse("workorders_board:index")))


def test_photos_are_served_only_to_those_who_may_see_the_order(client, w, order):
    url = reverse("workorders:photo", args=[order.photos.first().pk])
    for rightful in (w.resident, w.tech, w.keeper):
        assert get(client, rightful, url).status_code == 200
    for outsider in (w.neighbour, w.tech2, w.other_manager):
        assert get(client, outsider, url).status_code == 404


def test_the_front_desk_cannot_file_for_a_household_of_another_office(client, w):
    response = post(
        client,
        w.desk,
        reverse("workorders_board:new"),
        {
            "channel": "phone",
            "unit": w.other_unit.pk,
            "kind": "repair",
            "area": "home",
            "category": "plumbing",
            "description": "x",
        },
    )
    assert response.status_code == 422 and not WorkOrder.objects.exists()


def test_only_technicians_of_the_office_can_be_dispatched(client, w):
    order = services.file_request(by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="x")
    response = post(
        client,
        w.keeper,
        reverse("workorders_board:action", args=[order.pk, "dispatch"]),
        {"dispatch-technician": w.other_tech.pk},
    )
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.technician is None


def test_price_list_and_service_promise_are_managed_by_the_offices_manager(client, w):
    from portal.workorders.models import PriceItem

    item = PriceItem.objects.create(office=w.office, name="Tap repair", price="35.00")
    assert get(client, w.manager, reverse("workorders_prices:edit", args=[item.pk])).status_code == 200
    assert get(client, w.other_manager, reverse("workorders_prices:edit", args=[item.pk])).status_code == 404
    assert "Tap repair" not in get(client, w.other_manager, reverse("workorders_prices:index")).content.decode()
    assert refused(get(client, w.tech, reverse("workorders_prices:index")))
