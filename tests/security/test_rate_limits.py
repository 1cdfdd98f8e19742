"""Guessing is limited: logins, invitation codes (at sign-up and on the join page), vote confirmations (password
or SMS code), phone verification codes and text messages sent to one number. After the limit, further attempts
are refused with a clear message even when the secret is right."""

from types import SimpleNamespace

import pytest
from allauth.account import app_settings as allauth_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import ratelimit
from portal.people.models import ResidentMembership
from portal.voting import services as voting
from tests.factories import (
    DEFAULT_PASSWORD,
    AccountFactory,
    CommunityFactory,
    InvitationFactory,
    ResidentMembershipFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def test_the_sixth_wrong_password_locks_the_login_even_with_the_right_one(client):
    user = AccountFactory()
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "guess"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_allauth_limits_cover_login_signup_reset_and_phone_codes():
    limits = allauth_settings.RATE_LIMITS
    for action in ("login", "login_failed", "signup", "reset_password", "verify_phone", "change_phone"):
        assert limits.get(action), action
    assert allauth_settings.PHONE_VERIFICATION_MAX_ATTEMPTS <= 5


@pytest.fixture
def code_world():
    unit = UnitFactory(building__community=CommunityFactory())
    resident = AccountFactory()
    ResidentMembershipFactory(user=resident, unit=UnitFactory(building=unit.building))
    return SimpleNamespace(unit=unit, community=unit.building.community, resident=resident)


def _redeem(client, community, code):
    return client.post(reverse("join_redeem_code"), {"code-community": community.pk, "code-code": code})


def test_wrong_invitation_codes_on_the_join_page_are_limited(client, code_world):
    client.force_login(code_world.resident)
    for attempt in range(ratelimit.INVITATION_CODE.failures):
        assert _redeem(client, code_world.community, f"WRONG{attempt:03d}").status_code == 400
    good = InvitationFactory(unit=code_world.unit)

    response = _redeem(client, code_world.community, good.code)

    assert response.status_code == 429
    assert "Too many wrong invitation codes" in response.content.decode()
    assert not ResidentMembership.objects.filter(user=code_world.resident, unit=code_world.unit).exists()
    good.refresh_from_db()
    assert good.used_at is None


def test_wrong_invitation_codes_at_sign_up_are_limited_per_address(client, code_world):
    def signup(code, n):
        data = {
            "community": code_world.community.pk,
            "code": code,
            "full_name": "Guesser",
            "email": f"guesser{n}@example.com",
            "phone": "",
            "password1": "a-long-new-password-2026",
            "password2": "a-long-new-password-2026",
        }
        return client.post(reverse("account_signup"), data)

    for attempt in range(ratelimit.INVITATION_CODE.failures):
        assert "does not exist" in signup(f"WRONG{attempt:03d}", attempt).content.decode()
    good = InvitationFactory(unit=code_world.unit)

    response = signup(good.code, 99)

    assert "Too many wrong invitation codes" in response.content.decode()
    good.refresh_from_db()
    assert good.used_at is None


def test_wrong_vote_confirmations_are_limited_even_with_the_right_password():
    user = AccountFactory()
    meeting = SimpleNamespace(pk=987654)
    token = voting.confirmation_token(user, meeting)
    for _attempt in range(ratelimit.VOTE_CONFIRMATION.failures):
        with pytest.raises(ValidationError, match="password or code is wrong"):
            voting.check_confirmation(user, meeting, token, "123456")
    with pytest.raises(ValidationError, match="Too many wrong passwords or codes"):
        voting.check_confirmation(user, meeting, token, DEFAULT_PASSWORD)


def test_a_right_vote_confirmation_below_the_limit_passes():
    user = AccountFactory()
    meeting = SimpleNamespace(pk=987655)
    token = voting.confirmation_token(user, meeting)
    with pytest.raises(ValidationError):
        voting.check_confirmation(user, meeting, token, "wrong")
    voting.check_confirmation(user, meeting, token, DEFAULT_PASSWORD)


def test_text_messages_to_one_number_are_limited_per_minute_and_per_day(settings):
    from notifications import sms

    settings.SMS_PER_NUMBER_PER_MINUTE, settings.SMS_DAILY_CAP_PER_NUMBER = 3, 10
    phone = "+8613800138999"
    assert [sms.allow_number(phone) for _ in range(4)] == ["", "", "", "minute"]
    settings.SMS_PER_NUMBER_PER_MINUTE = 100  # the refused one was not counted against the day
    results = [sms.allow_number(phone) for _ in range(10)]
    assert results.count("") == 7 and results[-1] == "day"
