"""Back-office forms: every related-object choice is limited to the offices the user manages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.properties.forms import ScopedModelForm
from portal.properties.models import Community, Office, Unit

from . import services
from .models import ClassSession, Closure, ClubhouseSettings, Facility, Teacher, TrainingClass


def _managed(model, path, *related):
    return lambda user: services.scope(user, model.objects.select_related(*related), path, services.MANAGE_ROLES)


class FacilityForm(ScopedModelForm):
    def scoped_querysets(self):
        return {"community": _managed(Community, "office")}


class ClosureForm(ScopedModelForm):
    class Meta:
        model = Closure
        fields = ["facility", "starts_at", "ends_at", "reason"]

    def scoped_querysets(self):
        return {"facility": _managed(Facility, "community__office", "community")}


class TeacherForm(ScopedModelForm):
    class Meta:
        model = Teacher
        fields = ["office", "name", "phone"]

    def scoped_querysets(self):
        return {"office": _managed(Office, "pk")}


class TrainingClassForm(ScopedModelForm):
    def scoped_querysets(self):
        return {
            "community": _managed(Community, "office"),
            "teacher": _managed(Teacher, "office"),
        }


class SettingsForm(ScopedModelForm):
    class Meta:
        model = ClubhouseSettings
        fields = ["office", "no_show_limit", "no_show_window_days", "suspension_days"]

    def scoped_querysets(self):
        return {"office": _managed(Office, "pk")}


class ExtraForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Household"), queryset=Unit.objects.none())
    description = forms.CharField(
        label=_("What"), max_length=200, help_text=_("e.g. “2 bottles of water”, “racket rental”.")
    )
    amount = forms.CharField(label=_("Amount"), max_length=20)
    request_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = services.scope(
            user, Unit.objects.select_related("building__community"), "building__community__office"
        )


class SessionChoice(forms.Form):
    session = forms.ModelChoiceField(label=_("Session"), queryset=ClassSession.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = services.scope(
            user, ClassSession.objects.select_related("training_class"), "training_class__community__office"
        ).order_by("-starts_at")


__all__ = [
    "FacilityForm",
    "ClosureForm",
    "TeacherForm",
    "TrainingClassForm",
    "SettingsForm",
    "ExtraForm",
    "TrainingClass",
]
