"""Forms of owners' meetings: the ballot, a proxy, and the back office's meeting, motion and paper entry."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import uploads
from portal.access import office_ids_with_role
from portal.people.phones import normalize_phone
from portal.properties.forms import ScopedModelForm
from portal.properties.models import Community, Unit

from .models import Choice, Matter, Motion, RollParty, UnitArea, decode_selection
from .services import MANAGER_ROLES

CHOICE_WIDGET = forms.RadioSelect(attrs={"class": "ballot-choice"})


class BallotForm(forms.Form):
    """One radio group per motion; a motion left empty is not voted on now."""

    password = forms.CharField(
        label=_("Your login password or the code sent to your phone"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your password to confirm that it is you who votes."),
        required=False,
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, motions, current=None, locked=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.motions = list(motions)
        current = current or {}
        for motion in self.motions:
            if motion.is_election:
                chosen = current.get(motion.pk)
                self.fields[f"motion_{motion.pk}"] = forms.MultipleChoiceField(
                    label=motion.title,
                    choices=[(str(c.pk), c.name) for c in motion.candidates.all()],
                    required=False,
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "ballot-candidate"}),
                    initial=[str(i) for i in decode_selection(chosen)] if chosen else [],
                    disabled=motion.pk in locked,
                )
                continue
            self.fields[f"motion_{motion.pk}"] = forms.ChoiceField(
                label=motion.title,
                choices=Choice.choices,
                required=False,
                widget=CHOICE_WIDGET,
                initial=current.get(motion.pk),
                disabled=motion.pk in locked,
            )
        self.order_fields([f"motion_{m.pk}" for m in self.motions] + ["password", "token"])

    def motion_fields(self):
        return [(motion, self[f"motion_{motion.pk}"]) for motion in self.motions]

    def choices(self) -> dict:
        """Motion id -> "for"/"against"/"abstain", or a list of candidate ids for an election.

        An election with no candidate ticked is sent only when ``blank_<id>`` is ticked (a blank ballot).
        """
        out = {}
        for motion in self.motions:
            name = f"motion_{motion.pk}"
            if self.fields[name].disabled:
                continue
            value = self.cleaned_data.get(name)
            if motion.is_election and (value or self.data.get(f"blank_{motion.pk}")):
                out[motion.pk] = [int(v) for v in value or []]
            elif value and not motion.is_election:
                out[motion.pk] = value
        return out


class ProxyForm(forms.Form):
    proxy = forms.CharField(
        label=_("Proxy's phone number or email"),
        help_text=_("The person must have a Linli account."),
        max_length=200,
    )
    document = forms.FileField(
        label=_("Signed written authorisation"),
        help_text=_("A photo or PDF of the signed authorisation."),
        validators=[uploads.photo_or_pdf],
    )

    def clean_proxy(self):
        raw = self.cleaned_data["proxy"].strip()
        users = get_user_model().objects.filter(is_active=True)
        query = Q(email__iexact=raw)
        with contextlib.suppress(ValidationError):  # not a phone number: the email decides
            query |= Q(phone=normalize_phone(raw))
        user = users.filter(query).first()
        if user is None:
            raise forms.ValidationError(_("Nobody with that phone number or email has an account."))
        return user


def manager_communities(user):
    ids = office_ids_with_role(user, MANAGER_ROLES)
    qs = Community.objects.select_related("office").order_by("name")
    return qs if ids is None else qs.filter(office_id__in=ids)


class MeetingForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    notice_days = forms.IntegerField(label=_("Notice period (days)"), min_value=0, max_value=90, initial=15)
    opens_at = forms.DateTimeField(
        label=_("Voting opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Voting closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    allow_change = forms.BooleanField(
        label=_("Owners may change their ballot while voting is open"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = manager_communities(user)


def clerk_communities(user):
    from .access import voting_office_ids

    ids = voting_office_ids(user)
    qs = Community.objects.select_related("office").order_by("name")
    return qs if ids is None else qs.filter(office_id__in=ids)


class SurveyForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    questions = forms.CharField(
        label=_("Questions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One question per line, its options below it on lines starting with *. "
            "End a question with [multiple] to allow several answers."
        ),
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("Closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = clerk_communities(user)


class CandidateForm(forms.Form):
    motion = forms.ModelChoiceField(label=_("Election"), queryset=Motion.objects.none())
    name = forms.CharField(label=_("Candidate's name"), max_length=100)
    profile = forms.CharField(label=_("Profile"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motion"].queryset = meeting.motions.filter(seats__isnull=False)


class MotionForm(forms.ModelForm):
    class Meta:
        model = Motion
        fields = ["title", "matter", "seats", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    matter = forms.ChoiceField(label=_("Matter (selects the rule)"), choices=Matter.choices)


class PaperEntryForm(forms.Form):
    """One owner party's paper ballot sheet: the choice marked for each motion, its number and its scan."""

    party = forms.ModelChoiceField(label=_("Owner party (units)"), queryset=RollParty.objects.none())
    reference = forms.CharField(
        label=_("Paper ballot number"),
        max_length=60,
        help_text=_("The number printed on the sheet; each sheet is entered once."),
    )
    scan = forms.FileField(label=_("Scan of the signed paper ballot"), validators=[uploads.photo_or_pdf])

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = meeting.roll.all()
        self.motion_fields = {}
        for motion in meeting.motions.prefetch_related("candidates"):
            name = f"motion_{motion.pk}"
            if motion.is_election:
                self.fields[name] = forms.TypedMultipleChoiceField(
                    label=motion.title,
                    required=False,
                    coerce=int,
                    choices=[(c.pk, c.name) for c in motion.candidates.all()],
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("The candidates ticked on the paper (at most %(seats)d).") % {"seats": motion.seats},
                )
            else:
                self.fields[name] = forms.ChoiceField(
                    label=motion.title,
                    required=False,
                    choices=[("", _("Not marked on the paper")), *Choice.choices],
                )
            self.motion_fields[name] = motion

    def choices(self) -> dict:
        """Motion id → the choice marked (motions left blank on the paper are left out)."""
        marked = {}
        for name, motion in self.motion_fields.items():
            value = self.cleaned_data.get(name)
            if value:
                marked[motion.pk] = list(value) if motion.is_election else value
        return marked

    def clean(self):
        data = super().clean()
        if not self.errors and not self.choices():
            raise forms.ValidationError(_("Enter the choice marked on the paper for at least one motion."))
        return data


class UnitAreaForm(ScopedModelForm):
    class Meta:
        model = UnitArea
        fields = ["unit", "registered_area", "surveyed_area", "contract_area"]

    def scoped_querysets(self):
        from .access import scope_meetings

        return {
            "unit": lambda user: scope_meetings(
                user, Unit.objects.select_related("building__community"), "building__community__office"
            )
        }
