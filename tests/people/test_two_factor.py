"""Staff must protect their account with an authenticator app; residents are never asked."""

import pytest
from django.urls import reverse

from portal.people.models import StaffRole
from tests.factories import enable_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/backoffice/", "/my/", "/join/"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, make_staff, path):
    staff = make_staff(StaffRole.FRONT_DESK, totp=False)
    client.force_login(staff)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))
    assert f"next={path.replace('/', '%2F')}" in response.url


def test_after_logging_in_staff_land_on_a_setup_page_that_explains_why(client, make_staff):
    from .conftest import PASSWORD

    make_staff(StaffRole.FRONT_DESK, totp=False, email="new.desk@example.com")
    client.post(reverse("account_login"), {"login": "new.desk@example.com", "password": PASSWORD})

    response = client.get("/backoffice/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp"))
    page = response.content.decode()

    assert "Staff accounts must be protected with an authenticator app" in page
    assert "data:image/svg+xml;base64," in page


def test_headquarters_and_platform_administrators_need_an_authenticator_too(client, make_staff):
    client.force_login(make_staff(StaffRole.HEADQUARTERS, totp=False))
    assert client.get("/backoffice/").url.startswith(reverse("mfa_activate_totp"))


def test_staff_with_an_authenticator_reach_the_back_office(client, make_staff):
    staff = make_staff(StaffRole.FRONT_DESK, totp=False)
    enable_totp(staff)
    client.force_login(staff)
    assert client.get("/backoffice/").status_code == 200


def test_residents_are_not_asked_for_two_factor(client, resident):
    client.force_login(resident)
    assert client.get("/my/").status_code == 200
    assert client.get("/join/").status_code == 200


def test_a_staff_role_that_has_ended_no_longer_requires_two_factor(client, make_staff):
    from portal.people import services
    from portal.people.models import StaffMembership

    staff = make_staff(StaffRole.TECHNICIAN, totp=False)
    services.end_staff_role(StaffMembership.objects.get(user=staff))
    client.force_login(staff)
    assert client.get("/my/").status_code == 200


def test_staff_logging_in_with_a_password_are_then_asked_for_their_code(client, make_staff):
    from .conftest import PASSWORD

    make_staff(StaffRole.FRONT_DESK, email="desk@example.com")

    response = client.post(reverse("account_login"), {"login": "desk@example.com", "password": PASSWORD})

    assert response.url == reverse("mfa_authenticate")


def test_staff_activate_an_authenticator_and_can_then_work_in_the_back_office(client, make_staff):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from .conftest import PASSWORD

    staff = make_staff(StaffRole.FRONT_DESK, totp=False, email="new.desk@example.com")
    client.post(reverse("account_login"), {"login": "new.desk@example.com", "password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))

    response = client.post(reverse("mfa_activate_totp"), {"code": code}, follow=True)

    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # Straight on to the recovery codes, without being asked for the password again.
    assert not any(reverse("account_reauthenticate") in url for url, _status in response.redirect_chain)
    assert response.status_code == 200
    assert client.get("/backoffice/").status_code == 200


def test_a_user_who_had_two_factor_before_this_login_must_still_reauthenticate_with_it(client, make_staff):
    from .conftest import PASSWORD

    staff = make_staff(StaffRole.FRONT_DESK, email="old.desk@example.com")  # TOTP enrolled earlier
    client.post(reverse("account_login"), {"login": "old.desk@example.com", "password": PASSWORD})
    client.force_login(staff)  # a session that has only the password record, not the code
    response = client.get(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response.url or "reauthenticate" in response.url


def test_an_old_session_must_confirm_the_password_before_setting_up_two_factor(client, make_staff):
    client.force_login(make_staff(StaffRole.FRONT_DESK, totp=False))
    assert client.get(reverse("mfa_activate_totp")).url.startswith(reverse("account_reauthenticate"))
