"""Sign-up only with an invitation code; login by email or any way of writing the phone number."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from portal.people import services, sms
from portal.people.models import Invitation, ResidentMembership, ResidentRole, StaffRole, User
from tests.factories import AccountFactory, InvitationFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-river-42-quiet"


def signup(client, community, code, **overrides):
    data = {
        "community": community.pk,
        "code": code,
        "full_name": "Zhao Newcomer",
        "email": "zhao@example.com",
        "phone": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def test_the_signup_page_asks_for_community_and_invitation_code(client, world):
    page = client.get(reverse("account_signup")).content.decode()
    for name in ("community", "code", "full_name", "email", "phone", "password1", "password2"):
        assert f'name="{name}"' in page
    assert world.north.community.name in page


def test_signing_up_with_a_valid_code_creates_the_user_and_the_membership(client, world):
    invitation = InvitationFactory(unit=world.north.units[1], role=ResidentRole.TENANT)

    response = signup(client, world.north.community, services.format_code(invitation.code))

    assert response.status_code == 302
    user = User.objects.get(email="zhao@example.com")
    assert user.full_name == "Zhao Newcomer"
    membership = ResidentMembership.objects.get(user=user)
    assert (membership.unit, membership.role, membership.verified) == (world.north.units[1], "tenant", True)
    invitation.refresh_from_db()
    assert invitation.used_by == user


def test_signup_sends_the_email_verification_mail_and_waits_for_it(client, world):
    invitation = InvitationFactory(unit=world.north.units[1])

    response = signup(client, world.north.community, invitation.code)

    assert response.url == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhao@example.com"]
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    assert not EmailAddress.objects.get(email="zhao@example.com").verified
    client.post(link)
    assert EmailAddress.objects.get(email="zhao@example.com").verified


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("QQQQ-2222", "does not exist"),
        ("expired", "has expired"),
        ("used", "already been used"),
        ("revoked", "withdrawn"),
        ("south", "another community"),
    ],
)
def test_signing_up_with_a_bad_code_shows_why_and_creates_nothing(client, world, code, message):
    from datetime import timedelta

    from django.utils import timezone

    north_unit = world.north.units[0]
    codes = {
        "expired": lambda: InvitationFactory(unit=north_unit, expires_at=timezone.now() - timedelta(hours=1)).code,
        "used": lambda: InvitationFactory(unit=north_unit, used_at=timezone.now()).code,
        "revoked": lambda: InvitationFactory(unit=north_unit, revoked_at=timezone.now()).code,
        "south": lambda: InvitationFactory(unit=world.south.units[0]).code,
    }
    typed_code = codes.get(code, lambda: code)()
    users_before = User.objects.count()

    response = signup(client, world.north.community, typed_code)

    assert response.status_code == 200
    assert message in response.context["form"].errors["code"][0]
    assert message in response.content.decode()
    assert User.objects.count() == users_before
    assert not EmailAddress.objects.filter(email="zhao@example.com").exists()
    assert len(mail.outbox) == 0


def test_a_code_taken_between_validation_and_saving_leaves_no_account_behind(client, world, monkeypatch):
    invitation = InvitationFactory(unit=world.north.units[1])
    real_check = services.check_invitation

    def check_then_someone_else_redeems(community, code):
        result = real_check(community, code)
        Invitation.objects.filter(pk=invitation.pk).update(used_at=invitation.created_at)
        return result

    monkeypatch.setattr("portal.people.forms.check_invitation", check_then_someone_else_redeems)

    response = signup(client, world.north.community, invitation.code)

    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert not User.objects.filter(email="zhao@example.com").exists()


def test_signing_up_with_a_phone_number_sends_a_verification_code_by_sms(client, world):
    invitation = InvitationFactory(unit=world.north.units[1])

    response = signup(client, world.north.community, invitation.code, phone="139 1234 5678")

    assert response.url == reverse("account_verify_phone")
    user = User.objects.get(email="zhao@example.com")
    assert (user.phone, user.phone_verified) == ("+8613912345678", False)
    assert [m.to for m in sms.outbox] == ["+8613912345678"]
    code = re.search(r"code: (\S+)\.", sms.outbox[0].body).group(1)
    client.post(reverse("account_verify_phone"), {"code": code})
    user.refresh_from_db()
    assert user.phone_verified


def login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_a_resident_logs_in_with_their_email_address(client, resident):
    response = login(client, resident.email.upper())
    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("resident_home")).wsgi_request.user == resident


@pytest.mark.parametrize("typed", ["138 0000 0000", "13800000000", "+86 138-0000-0000", "0086 13800000000"])
def test_a_resident_logs_in_with_their_phone_number_written_any_usual_way(client, resident, typed):
    response = login(client, typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(reverse("resident_home")).wsgi_request.user == resident


def test_a_wrong_password_is_refused_with_a_clear_message(client, resident):
    response = login(client, "138 0000 0000", "not my password")
    assert response.status_code == 200
    assert "phone number and/or password you specified are not correct" in response.content.decode()


def test_the_sixth_failed_login_in_a_row_is_refused_even_with_the_right_password(client, resident):
    for _attempt in range(5):
        assert "are not correct" in login(client, resident.email, "guess").content.decode()

    response = login(client, resident.email, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_phone_logins_are_counted_per_number_not_for_every_phone_user(client, resident, world):
    other = AccountFactory(phone="+8613900000000")
    for _attempt in range(5):
        login(client, "139 0000 0000", "guess")

    response = login(client, "138 0000 0000")

    assert response.status_code == 302
    client.logout()
    assert "Too many failed login attempts" in login(client, "13900000000").content.decode()
    assert other.pk


def test_a_user_with_an_unverified_email_is_sent_a_verification_mail_at_login(client, world):
    user = User.objects.create_user(email="unverified@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = login(client, "unverified@example.com")

    assert response.url == reverse("account_email_verification_sent")
    assert mail.outbox[0].to == ["unverified@example.com"]


def test_password_reset_mails_a_link(client, resident):
    response = client.post(reverse("account_reset_password"), {"email": resident.email})
    assert response.status_code == 302
    assert mail.outbox[0].to == [resident.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_a_resident_registered_with_only_a_phone_logs_in_after_confirming_an_sms_code(client, world):
    user = User.objects.create_user(phone="+8613700000000", password=PASSWORD, full_name="Phone Only")

    response = login(client, "137 0000 0000")

    assert response.url == reverse("account_verify_phone")
    code = re.search(r"code: (\S+)\.", sms.outbox[-1].body).group(1)
    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("resident_home")).wsgi_request.user == user
    user.refresh_from_db()
    assert user.phone_verified


def test_without_phone_verification_a_phone_only_resident_logs_in_directly(client, world, settings):
    settings.ACCOUNT_PHONE_VERIFICATION_ENABLED = False
    user = User.objects.create_user(phone="+8613700000001", password=PASSWORD)

    response = login(client, "13700000001")

    assert response.status_code == 302
    assert client.get(reverse("resident_home")).wsgi_request.user == user


def test_staff_go_to_the_back_office_after_login(client, make_staff, settings):
    settings.STAFF_MFA_REQUIRED = False
    user = make_staff(StaffRole.OFFICE_MANAGER, totp=False)
    response = login(client, user.email)
    assert response["Location"] == "/backoffice/"


def test_staff_without_back_office_access_land_on_their_home_not_in_a_redirect_loop(client, make_staff, settings):
    settings.STAFF_MFA_REQUIRED = False
    user = make_staff(StaffRole.FRONT_DESK, totp=False)
    user.groups.clear()
    response = login(client, user.email)
    assert response["Location"] == reverse("resident_home")
