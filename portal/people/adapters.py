"""allauth glue: phone numbers live on our ``User`` (one number, normalised to E.164)."""

from __future__ import annotations

import datetime

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .phones import normalize_phone
from .sms import send_sms


class PhoneNumberField(forms.CharField):
    """Accepts "138 0000 0000", "138-0000-0000", "+86 138…", "0086…"; cleans to E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Mobile phone"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "placeholder": "138 0000 0000"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalize_phone(value)


def _try_normalize(phone: str) -> str | None:
    try:
        return normalize_phone(phone)
    except ValidationError:
        return None


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        kwargs.pop("validators", None)
        return PhoneNumberField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = normalize_phone(phone)
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user):
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        user.phone = normalize_phone(phone)
        user.phone_verified = True
        user.save(update_fields=["phone", "phone_verified"])

    def get_user_by_phone(self, phone: str):
        normalized = _try_normalize(phone)
        if normalized is None:
            return None
        return get_user_model().objects.filter(phone=normalized).first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(
            phone,
            _("Linli verification code: %(code)s. Do not share it with anyone.") % {"code": code},
            recipient=user if getattr(user, "pk", None) else None,
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(
            phone,
            _("Someone tried to sign up to Linli with this number, which already has an account. "
              "If it was you, log in or reset your password."),
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone, _("A Linli code was requested for this number, but it has no account."))

    def save_user(self, request, user, form, commit=True):
        user.full_name = form.cleaned_data.get("full_name", "") or user.full_name
        return super().save_user(request, user, form, commit=commit)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys failed logins by email or username only; a phone login would share one
        # empty key with every other phone login, so key it by the normalised number.
        if credentials.get("phone") and not credentials.get("email"):
            phone = _try_normalize(credentials["phone"]) or credentials["phone"]
            return super()._get_login_attempts_cache_key(request, email=f"phone:{phone}")
        return super()._get_login_attempts_cache_key(request, **credentials)

    def is_reauthentication_required(self, *, app, **kwargs) -> bool:
        # Staff are sent to set up TOTP straight after logging in; asking for the password a second
        # time then is pointless. A password login of the last few minutes counts as recent when
        # no authenticator of the user is older than that login (first setup); else allauth decides.
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and self._first_mfa_setup_right_after_login():
            return False
        return required

    def _first_mfa_setup_right_after_login(self) -> bool:
        import time

        from allauth.account import app_settings
        from allauth.account.internal.flows.login import get_authentication_records
        from allauth.core import context
        from allauth.mfa.models import Authenticator

        request = context.request
        user = getattr(request, "user", None)
        if request is None or not getattr(user, "is_authenticated", False):
            return False
        recent_password_logins = [
            r["at"]
            for r in get_authentication_records(request, user)
            if r.get("method") == "password" and time.time() - r.get("at", 0) < app_settings.REAUTHENTICATION_TIMEOUT
        ]
        if not recent_password_logins:
            return False
        # Authenticators enrolled since that login belong to this very setup (TOTP, then its recovery
        # codes); one that existed before means the user has 2FA and must use it.
        logged_in_at = datetime.datetime.fromtimestamp(min(recent_password_logins), tz=datetime.UTC)
        return not Authenticator.objects.filter(user=user, created_at__lt=logged_in_at).exists()

    def get_login_stages(self):
        return [
            "portal.people.stages.EmailVerificationUnlessPhoneOnlyStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def get_login_redirect_url(self, request):
        from portal.access import is_staff_member

        # Only to the back office if Wagtail will let them in; else Wagtail sends them back to the
        # login page, which sends a signed-in user here again: a redirect loop.
        if is_staff_member(request.user) and request.user.has_perm("wagtailadmin.access_admin"):
            return "/backoffice/"
        return super().get_login_redirect_url(request)
