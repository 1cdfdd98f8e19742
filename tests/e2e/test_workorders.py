"""A resident reports a dripping tap with a photo on their phone, follows it, and accepts the work;
the housekeeper sees it on the dispatch board."""

import io

import pytest
from allauth.account.models import EmailAddress
from PIL import Image

from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from portal.workorders import services
from portal.workorders.models import WorkOrder
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import PHONE, assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings, tmp_path):
    settings.STAFF_MFA_REQUIRED = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def jpeg_bytes(color):
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return out.getvalue()


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_a_resident_reports_a_repair_with_a_photo_follows_it_and_accepts_the_work(open_page, shot, world):
    resident = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    keeper = world.north.grid.housekeeper
    EmailAddress.objects.create(user=keeper, email=keeper.email, primary=True, verified=True)
    keeper.phone_verified = True
    keeper.save()
    add_staff_role(keeper, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.north.office)
    tech = AccountFactory(full_name="Liu Jianguo")
    add_staff_role(tech, company=world.company, role=StaffRole.TECHNICIAN, office=world.north.office)

    page = open_page(locale="en-US", viewport=PHONE)
    log_in(page, resident)
    page.goto("/repairs/")
    shot(page, "1-repairs-empty")
    page.get_by_role("link", name="New request").click()
    page.select_option("select[name=category]", "plumbing")
    page.fill("input[name=location]", "kitchen sink")
    page.fill("textarea[name=description]", "The tap drips all night.")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "tap.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((180, 40, 40))}]
    )
    assert_fits_phone(page, shot, "2-new-request")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url("**/repairs/R*/")
    order = WorkOrder.objects.get()
    main = page.locator("main").inner_text()
    assert order.reference in main and "Routed to housekeeper Wang Fang" in main
    assert page.locator(".photo-strip img").count() == 1
    assert_fits_phone(page, shot, "3-request-received")

    order = services.dispatch(order, by=keeper, technician=tech)
    order = services.check_in(order, by=tech)
    services.add_photos(order, by=tech, stage="before", files=[_upload("before.jpg", (120, 60, 30))])
    services.add_photos(order, by=tech, stage="after", files=[_upload("after.jpg", (30, 140, 60))])
    services.finish(order, by=tech, resolution="Replaced the tap cartridge.")

    page.reload()
    assert "Is it done to your satisfaction?" in page.locator("main").inner_text()
    assert page.locator(".photo-strip img").count() == 3
    page.locator("input[name=rating][value='5']").check()
    page.fill("input[name=comment]", "Quick and tidy")
    assert_fits_phone(page, shot, "4-accept")
    page.get_by_role("button", name="Accept the work").click()
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.RETURN_VISIT and order.rating == 5
    assert "Accepted by the resident (5 of 5)." in page.locator("main").inner_text()
    shot(page, "5-accepted")

    board = open_page(locale="en-US", viewport={"width": 1280, "height": 900})
    log_in(board, keeper)
    board.goto("/backoffice/repairs/board/")
    shot(board, "6-dispatch-board")
    assert board.url.endswith("/backoffice/repairs/board/"), board.url
    column = board.locator("section[data-status=return_visit]")
    assert order.reference in column.inner_text()
    board.goto(f"/backoffice/repairs/board/{order.pk}/")
    shot(board, "7-order-in-back-office")


def _upload(name, color):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(color), content_type="image/jpeg")
