"""Forms for residents: sign-up by invitation, login by email or phone, joining another unit."""

from __future__ import annotations

import contextlib

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm
from allauth.core import context as allauth_context
from django import forms
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import ratelimit
from portal.properties.models import Building, Community

from .models import ResidentRole, User
from .services import InvitationError, JoinRequestError, check_invitation, find_unit, redeem_invitation


def _community_field():
    return forms.ModelChoiceField(
        queryset=Community.objects.order_by("name"),
        label=_("Community"),
        empty_label=_("Choose your community"),
    )


def _code_field():
    return forms.CharField(
        label=_("Invitation code"),
        max_length=20,
        help_text=_("The 8-character code on the slip from your management office, e.g. ABCD-2345."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD-2345",
            }
        ),
    )


class LoginForm(AllauthLoginForm):
    """allauth's login form, with one field that takes an email address or a mobile number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email or mobile phone")
        login.widget.attrs.update({"placeholder": _("name@example.com or 138 0000 0000"), "autocomplete": "username"})


# A wrong guess, as opposed to a real code that is used up or withdrawn.
GUESSED_WRONG = {"unknown", "wrong_community"}


def too_many_codes():
    return _("Too many wrong invitation codes. Wait %(minutes)d minutes, or ask your management office.") % {
        "minutes": ratelimit.INVITATION_CODE.minutes
    }


class InvitationSignupForm(SignupForm):
    """Sign-up needs an invitation code; the code is redeemed in the same transaction as the user."""

    community = _community_field()
    code = _code_field()
    full_name = forms.CharField(
        label=_("Full name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    field_order = ["community", "code", "full_name", "email", "phone", "password1", "password2"]

    invitation = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "phone" in self.fields:
            self.fields["phone"].label = _("Mobile phone (optional)")
            self.fields["phone"].help_text = _("You can log in with it too. We send a code to confirm it.")

    def clean(self):
        cleaned = super().clean()
        community, code = cleaned.get("community"), cleaned.get("code")
        keys = ratelimit.request_keys(allauth_context.request) if allauth_context.request else []
        if keys and ratelimit.INVITATION_CODE.blocked(keys):
            self.add_error("code", too_many_codes())
        elif community and code:
            try:
                self.invitation = check_invitation(community, code)
            except InvitationError as error:
                self.add_error("code", error)
                if error.code in GUESSED_WRONG:
                    ratelimit.INVITATION_CODE.failed(keys)
        return cleaned

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            redeem_invitation(user, self.cleaned_data["community"], self.cleaned_data["code"])
        return user

    def try_save(self, request):
        try:
            return super().try_save(request)
        except InvitationError as error:
            # Lost a race for the code after validation: nothing was saved; show the form again.
            self.add_error("code", error)
            return None, TemplateResponse(request, "account/signup.html", {"form": self})


class RedeemCodeForm(forms.Form):
    """A logged-in resident adds another household with a new code."""

    community = _community_field()
    code = _code_field()


class JoinRequestForm(forms.Form):
    """Ask the office to attach you to a unit: community → building → unit number."""

    community = _community_field()
    building = forms.ModelChoiceField(
        queryset=Building.objects.none(), label=_("Building"), empty_label=_("Choose the building")
    )
    number = forms.CharField(
        label=_("Unit number"), max_length=20, help_text=_("As on your door or contract, e.g. 1502.")
    )
    role = forms.ChoiceField(label=_("You are the"), choices=ResidentRole.choices)
    message = forms.CharField(
        label=_("Message to the office (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything that helps staff recognise you, e.g. the owner's name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        community_id = self.data.get(self.add_prefix("community")) or self.initial.get("community")
        if community_id:
            with contextlib.suppress(TypeError, ValueError):
                self.fields["building"].queryset = Building.objects.filter(community_id=int(community_id))

    def clean(self):
        cleaned = super().clean()
        community, building, number = cleaned.get("community"), cleaned.get("building"), cleaned.get("number")
        if community and building and number:
            try:
                cleaned["unit"] = find_unit(community, building.pk, number)
            except JoinRequestError as error:
                self.add_error("number", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves on the site: name, language, birth date."""

    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "birth_date"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_birth_date(self):
        born = self.cleaned_data.get("birth_date")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Give a year from 1900 on."))
        return born
