"""A resident books deep cleaning from the menu, sees the price follow the quantity, pays online at the dummy
gateway, and finds the order confirmed; the office then sees it in the back office and assigns a person."""

import datetime
from decimal import Decimal

import pytest

from portal.people.models import StaffRole
from services_catalog.models import Provider, Service, ServiceCategory, ServiceOption, ServiceOrder
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import DESKTOP, PHONE, assert_fits_phone
from .test_backoffice import log_in_with_code, make_staff

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def menu(world, settings, tmp_path):
    from wagtail.models import Collection

    from services_catalog.demo import _photo
    from services_catalog.models import ServicePhoto

    settings.MEDIA_ROOT = tmp_path
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    office = world.north.office
    cleaning = ServiceCategory.objects.create(office=office, name="家政保洁 (Housekeeping & cleaning)")
    repairs = ServiceCategory.objects.create(office=office, name="维修安装 (Repairs)", sort_order=20)
    deep = Service.objects.create(
        office=office,
        category=cleaning,
        name="深度保洁 (Deep cleaning)",
        summary="Priced per m² of floor area; windows, kitchen grease, bathroom scale",
        price_model="per_m2",
        price=Decimal("6.50"),
        min_quantity=Decimal("30"),
        max_quantity=Decimal("300"),
        slot_minutes=240,
        day_start=datetime.time(9),
        day_end=datetime.time(17),
        lead_hours=12,
    )
    ServiceOption.objects.create(service=deep, name="Balcony & window tracks", price=Decimal("60.00"))
    ServicePhoto.objects.create(service=deep, image=_photo("deep cleaning", (15, 122, 105)))
    lock = Service.objects.create(
        office=office,
        category=repairs,
        name="开锁换锁 (Lock opening)",
        summary="Identity checked first",
        price_model="fixed",
        price=Decimal("120.00"),
        lead_hours=1,
        slot_minutes=60,
    )
    Service.objects.create(
        office=office,
        category=repairs,
        name="小区搬家 (Moving)",
        summary="Quote after a visit",
        price_model="quote",
    )
    team = Provider.objects.create(office=office, name="North cleaning team", capacity_per_slot=2)
    team.services.set(Service.objects.all())
    return {"deep": deep, "lock": lock, "team": team}


def test_a_resident_books_deep_cleaning_and_pays_online(open_page, shot, world, menu, settings):
    resident = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    page = open_page(locale="en", viewport=PHONE)
    media = settings.MEDIA_ROOT  # the live server does not serve uploads; the browser gets them from disk
    page.route("**/media/**", lambda route: route.fulfill(path=str(media / route.request.url.split("/media/", 1)[1])))
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "13800001111")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/my/")

    page.goto("/services/")
    main = page.locator("main")
    assert "¥6.50 / m²" in main.inner_text() and "Quote on request" in main.inner_text()
    assert page.locator(".service-card img").evaluate("img => img.naturalWidth") > 0
    deep = page.get_by_role("link", name="深度保洁 (Deep cleaning)")
    assert_fits_phone(page, shot, "1-menu", actions=[deep])

    deep.click()
    page.wait_for_load_state()
    page.fill("#quantity", "89.5")
    page.locator("#quantity").dispatch_event("change")
    page.wait_for_function("document.querySelector('#price-preview').innerText.includes('581.75')")
    page.locator("input[name=option]").check()
    page.wait_for_function("document.querySelector('#price-preview').innerText.includes('641.75')")
    page.locator("input[name=payment][value=online]").check()
    book = page.get_by_role("button", name="Book and pay")
    assert_fits_phone(page, shot, "2-order-form", actions=["#quantity", book])

    book.click()
    page.wait_for_url("**/pay/**")
    assert "¥641.75" in page.locator("main").inner_text()
    succeed = page.locator("button[value=pay]")
    assert_fits_phone(page, shot, "2b-test-gateway", actions=[succeed])
    succeed.click()
    page.wait_for_load_state()

    order = ServiceOrder.objects.get()
    assert order.status == ServiceOrder.Status.CONFIRMED and order.amount == Decimal("641.75")
    page.goto(f"/services/orders/{order.pk}/")
    assert "Confirmed" in page.locator("main").inner_text()
    assert_fits_phone(page, shot, "3-order-confirmed")


def test_the_office_sees_the_order_and_assigns_a_person(open_page, shot, world, menu):
    from services_catalog import services

    resident = AccountFactory(full_name="Li Ming")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    worker = AccountFactory(full_name="Zhou Worker")
    menu["team"].people.add(worker)
    slot = services.available_slots(menu["lock"])[0].start
    order = services.place_order(
        resident, world.north.units[0], menu["lock"], slot_start=slot, payment_method="household", request_key="e2e"
    )
    manager = make_staff(world, world.north.office, StaffRole.OFFICE_MANAGER, "ma@north.example.com", "Ma Manager")

    page = open_page(locale="en", viewport=DESKTOP)
    log_in_with_code(page, manager)
    page.goto(f"/backoffice/services/orders/{order.pk}/")
    page.select_option("select[name=person]", str(worker.pk))
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_load_state()
    assert "Assigned to Zhou Worker" in page.content()
    shot(page, "1-backoffice-order")
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.ASSIGNED and order.assignee == worker

    page.goto("/backoffice/services/services/")
    assert "Deep cleaning" in page.locator("main").inner_text()
    shot(page, "2-backoffice-services")
    page.goto(f"/backoffice/services/services/edit/{menu['deep'].pk}/")
    shot(page, "3-backoffice-service-edit")
