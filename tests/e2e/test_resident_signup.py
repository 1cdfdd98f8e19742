"""A resident creates an account with the invitation code from the office, confirms the email and sees their home."""

import re

import pytest
from django.core import mail

from portal.people.models import Invitation, ResidentMembership, ResidentRole, StaffRole, User
from portal.people.services import format_code, issue_invitation
from tests.factories import AccountFactory, StaffMembershipFactory

from .conftest import assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "lantern-river-42-quiet"


@pytest.fixture
def invitation(world):
    """A code issued by the north office's front desk for unit 3-1502, as the desk would hand it out."""
    desk = StaffMembershipFactory(
        user=AccountFactory(full_name="Fang Desk"), office=world.north.office, role=StaffRole.FRONT_DESK
    ).user
    return issue_invitation(desk, world.north.units[1], ResidentRole.OWNER, note="for Zhao")


def fill_signup(page, community, code, *, email="zhao@example.com"):
    page.goto("/accounts/signup/")
    page.select_option("select[name=community]", label=community.name)
    page.fill("input[name=code]", code)
    page.fill("input[name=full_name]", "Zhao Newcomer")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)


def submit(page):
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_a_resident_signs_up_with_an_invitation_code_confirms_the_email_and_sees_their_home(
    open_page, shot, world, invitation
):
    page = open_page()
    fill_signup(page, world.north.community, format_code(invitation.code).lower())  # typed in lower case
    shot(page, "1-signup-filled")
    assert_fits_phone(page, shot, "1-signup")

    submit(page)

    assert "/accounts/confirm-email/" in page.url
    shot(page, "2-verification-sent")
    assert_fits_phone(page, shot, "2-verification-sent")
    user = User.objects.get(email="zhao@example.com")
    assert ResidentMembership.objects.filter(user=user, unit=world.north.units[1], role=ResidentRole.OWNER).exists()
    assert Invitation.objects.get(pk=invitation.pk).used_by == user

    assert [m.to for m in mail.outbox] == [["zhao@example.com"]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    shot(page, "3-confirm-email")
    assert_fits_phone(page, shot, "3-confirm-email")
    submit(page)
    assert user.emailaddress_set.get().verified

    if "/accounts/login/" in page.url:
        page.fill("input[name=login]", "zhao@example.com")
        page.fill("input[name=password]", PASSWORD)
        shot(page, "4-login")
        submit(page)
    page.goto("/my/")

    assert page.url.endswith("/my/")
    home = page.locator("main")
    unit_card = home.locator(".unit-card")
    assert unit_card.locator(".unit-community").inner_text() == "Green Garden"
    assert unit_card.locator(".unit-label").inner_text() == "3-1502"
    contact = unit_card.locator(".contact")
    assert "Wang Fang" in contact.inner_text()
    assert "138 1234 5678" in contact.inner_text()
    assert contact.locator("a[href^='tel:']").get_attribute("href") == "tel:+8613812345678"
    assert "Zhao Newcomer" in home.locator("h1").inner_text()
    shot(page, "5-my-home")
    assert_fits_phone(page, shot, "5-my-home")


def test_a_code_of_another_community_is_refused_with_a_clear_message_and_no_account_is_created(open_page, shot, world):
    south_desk = StaffMembershipFactory(user=AccountFactory(), office=world.south.office, role=StaffRole.FRONT_DESK)
    south_code = issue_invitation(south_desk.user, world.south.units[0], ResidentRole.OWNER).code
    users_before = User.objects.count()

    page = open_page(locale="en-US")
    fill_signup(page, world.north.community, format_code(south_code))
    submit(page)

    assert page.url.endswith("/accounts/signup/")
    error = page.locator("main").get_by_text("This invitation code belongs to another community")
    assert error.is_visible()
    # What was typed stays in the form, except the passwords.
    assert page.input_value("input[name=code]") == format_code(south_code)
    assert page.input_value("input[name=email]") == "zhao@example.com"
    shot(page, "wrong-community")
    assert_fits_phone(page, shot, "wrong-community")
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="zhao@example.com").exists()
    assert Invitation.objects.get(code=south_code).used_at is None
    assert mail.outbox == []
