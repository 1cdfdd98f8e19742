"""A resident reports a dripping tap with a photo on their phone; the housekeeper, signed in with their
authenticator, dispatches it on the board; the technician works it from their phone (on the way, on site,
photos before and after, finished); the resident sees it finished and accepts the work."""

import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from PIL import Image
from playwright.sync_api import expect

from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from portal.workorders.models import WorkOrder
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import PHONE, assert_fits_phone
from .test_backoffice import log_in_with_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def jpeg(name, color):
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def with_authenticator(user):
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
    user.phone_verified = True  # staff with a phone on file are asked to verify it first
    user.save()
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def test_a_repair_goes_from_the_resident_to_the_board_to_the_technician_and_back(open_page, shot, world):
    resident = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    keeper = with_authenticator(world.north.grid.housekeeper)
    add_staff_role(keeper, company=world.company, role=StaffRole.HOUSEKEEPER, office=world.north.office)
    tech = with_authenticator(AccountFactory(full_name="Liu Jianguo", email="liu@north.example.com"))
    add_staff_role(tech, company=world.company, role=StaffRole.TECHNICIAN, office=world.north.office)

    # The resident reports it from their phone, with a photo.
    page = open_page(locale="en-US", viewport=PHONE)
    log_in(page, resident)
    page.goto("/repairs/")
    new_request = page.get_by_role("link", name="New request")
    assert_fits_phone(page, shot, "01-repairs-empty", actions=[new_request])
    new_request.click()
    page.select_option("select[name=category]", "plumbing")
    page.fill("input[name=location]", "kitchen sink")
    page.fill("textarea[name=description]", "The tap drips all night.")
    page.set_input_files("input[name=photos]", files=[jpeg("tap.jpg", (180, 40, 40))])
    assert "Up to 6 photos (JPEG, PNG, WebP), 10 MB each." in page.locator("main").inner_text()
    send = page.get_by_role("button", name="Send the request")
    assert_fits_phone(page, shot, "02-new-request", actions=[send])
    send.click()
    page.wait_for_url("**/repairs/R*/")
    order = WorkOrder.objects.get()
    main = page.locator("main").inner_text()
    assert order.reference in main and "Routed to housekeeper Wang Fang" in main
    assert page.locator(".photo-strip img").count() == 1
    assert_fits_phone(page, shot, "03-request-received")

    # The housekeeper signs in with a code and dispatches it from the board.
    board = open_page(locale="en-US", viewport={"width": 1280, "height": 900})
    log_in_with_code(board, keeper)
    board.goto("/backoffice/repairs/board/")
    card = board.locator("section[data-status=new] .wo-card", has_text=order.reference)
    shot(board, "04-board-new")
    card.click()
    board.wait_for_url(f"**/backoffice/repairs/board/{order.pk}/")
    board.select_option("select[name=dispatch-technician]", str(tech.pk))
    shot(board, "05-dispatch-form")
    board.locator("form.wo-action", has=board.locator("select[name=dispatch-technician]")).get_by_role(
        "button", name="Dispatch"
    ).click()
    expect(board.locator(".messages")).to_contain_text("Dispatched to Liu Jianguo.")
    board.goto("/backoffice/repairs/board/")
    expect(board.locator("section[data-status=dispatched]")).to_contain_text(order.reference)
    shot(board, "06-board-dispatched")

    # The technician works it from their phone.
    job = open_page(locale="en-US", viewport=PHONE)
    log_in_with_code(job, tech, landing="**")
    job.goto("/repairs/jobs/")
    job_link = job.locator(".wo-item a", has_text=order.reference)
    assert_fits_phone(job, shot, "07-tech-jobs", actions=[job_link])
    job_link.click()
    job.wait_for_url(f"**/repairs/jobs/{order.reference}/")
    on_the_way = job.get_by_role("button", name="I am on the way")
    assert_fits_phone(job, shot, "08-tech-dispatched", actions=[on_the_way])
    on_the_way.click()
    check_in = job.get_by_role("button", name="Check in on site")
    expect(check_in).to_have_count(1)
    assert_fits_phone(job, shot, "09-tech-on-the-way", actions=[check_in])
    check_in.click()
    upload = job.get_by_role("button", name="Upload photos")
    expect(upload).to_be_visible()
    assert "Up to 6 photos (JPEG, PNG, WebP), 10 MB each." in job.locator("main").inner_text()  # in English
    for count, (stage, color) in enumerate((("before", (120, 60, 30)), ("after", (30, 140, 60))), start=2):
        job.select_option("select[name=stage]", stage)
        job.set_input_files("input[name=photos]", files=[jpeg(f"{stage}.jpg", color)])
        upload.click()
        expect(job.locator(".photo-strip img")).to_have_count(count)  # the reported photo, then each stage's
    finish = job.get_by_role("button", name="Finish the work")
    job.fill("textarea[name=resolution]", "Replaced the tap cartridge.")
    assert_fits_phone(job, shot, "10-tech-on-site", actions=[upload, finish])
    finish.click()
    expect(job.locator("body")).to_contain_text("Finished; the resident is asked to accept the work.")
    assert_fits_phone(job, shot, "11-tech-finished")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.AWAITING_ACCEPTANCE and order.technician == tech
    assert list(order.photos.order_by("pk").values_list("stage", flat=True)) == ["report", "before", "after"]

    # The resident sees it finished, with the technician's photos, and accepts it.
    page.reload()
    assert "Is it done to your satisfaction?" in page.locator("main").inner_text()
    assert "Replaced the tap cartridge." in page.locator("main").inner_text()
    assert page.locator(".photo-strip img").count() == 3
    page.locator("input[name=rating][value='5']").check()
    page.fill("input[name=comment]", "Quick and tidy")
    accept = page.get_by_role("button", name="Accept the work")
    assert_fits_phone(page, shot, "12-accept", actions=[accept])
    accept.click()
    expect(page.locator("main")).to_contain_text("Accepted by the resident (5 of 5).")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.RETURN_VISIT and order.rating == 5
    assert_fits_phone(page, shot, "13-accepted")

    board.goto("/backoffice/repairs/board/")
    expect(board.locator("section[data-status=return_visit]")).to_contain_text(order.reference)
    shot(board, "14-board-return-visit")
