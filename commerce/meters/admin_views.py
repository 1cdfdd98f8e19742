"""Back-office screens: correcting a billed reading, the corrections list, replacing a meter, meter settings.

Billing clerks and office managers of an office (and headquarters); another office's reading, meter
or settings is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView

from portal.properties.models import Office

from . import corrections, replacements, services
from .access import scope_for_meters
from .forms import _OfficeChoice, meter_offices
from .models import DEFAULT_ABNORMAL_FACTOR, DEFAULT_AVERAGE_OVER, Meter, MeterReading, MeterSettings, UsageCorrection
from .views import MeterStaffMixin, scoped_readings

CORRECTIONS_SHOWN = 200


class CorrectionForm(forms.Form):
    value = forms.CharField(label=gettext_lazy("Corrected reading"), max_length=20)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("The household sees it on the bill that settles the difference."),
    )


class CorrectReadingView(MeterStaffMixin, FormView):
    template_name = "meters/admin/correct.html"
    form_class = CorrectionForm
    page_title = gettext_lazy("Correct a reading")
    header_icon = "edit"

    def get_reading(self) -> MeterReading:
        if not hasattr(self, "_reading"):
            try:
                self._reading = scoped_readings(self.request.user).get(pk=self.kwargs["pk"])
            except MeterReading.DoesNotExist:
                raise Http404 from None
        return self._reading

    def get_initial(self):
        return {"value": services.show(self.get_reading().value)}

    def get_context_data(self, **kwargs):
        reading = self.get_reading()
        lines = list(corrections.billed_lines(reading))
        return super().get_context_data(
            reading=reading,
            billed=lines,
            history=reading.corrections.select_related("corrected_by").prefetch_related(
                "usage_corrections__bill_line__bill"
            ),
            correctable=reading.status in MeterReading.BILLABLE,
            **kwargs,
        )

    def form_valid(self, form):
        reading = self.get_reading()
        old = reading.value
        try:
            correction = corrections.correct_reading(
                reading, form.cleaned_data["value"], self.request.user, form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        text = _("Reading of %(meter)s corrected from %(old)s to %(new)s.") % {
            "meter": reading.meter.code,
            "old": services.show(old),
            "new": services.show(correction.new_value),
        }
        count = correction.usage_corrections.count()
        if count:
            text += " " + ngettext(
                "The difference of %(count)d bill is settled on the next monthly run.",
                "The difference of %(count)d bills is settled on the next monthly run.",
                count,
            ) % {"count": count}
        messages.success(self.request, text)
        return redirect("meters_readings:correct", reading.pk)


class CorrectionListView(MeterStaffMixin, TemplateView):
    template_name = "meters/admin/corrections.html"
    page_title = gettext_lazy("Reading corrections")
    header_icon = "edit"

    def get_context_data(self, **kwargs):
        rows = scope_for_meters(
            self.request.user,
            corrections.remaining(UsageCorrection.objects.all()).select_related(
                "correction__reading", "correction__corrected_by", "meter", "unit__building", "item", "bill_line__bill"
            ),
            "meter__office",
        ).order_by("-pk")[:CORRECTIONS_SHOWN]
        for row in rows:
            row.left = row.amount - row.applied if row.bill_line.bill.status == "issued" else None
        return super().get_context_data(rows=rows, **kwargs)


class ReplaceMeterForm(_OfficeChoice):
    meter = forms.CharField(label=gettext_lazy("Old meter code"), max_length=40)
    date = forms.DateField(label=gettext_lazy("Replaced on"), initial=timezone.localdate)
    final_value = forms.CharField(
        label=gettext_lazy("Old meter's final reading"), max_length=20, help_text=gettext_lazy("Read before removal.")
    )
    new_code = forms.CharField(label=gettext_lazy("New meter code"), max_length=40)
    start_value = forms.CharField(
        label=gettext_lazy("New meter's start reading"), max_length=20, help_text=gettext_lazy("Usually 0.")
    )
    multiplier = forms.DecimalField(
        label=gettext_lazy("New meter's multiplier"),
        required=False,
        max_digits=9,
        decimal_places=3,
        min_value=0.001,
        help_text=gettext_lazy("Leave empty to keep the old meter's."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        office, code = cleaned.get("office"), (cleaned.get("meter") or "").strip()
        if office is not None and code:
            meter = Meter.objects.filter(office=office, code__iexact=code).first()
            if meter is None:
                self.add_error("meter", _("Unknown meter “%(code)s” in %(office)s.") % {"code": code, "office": office})
            cleaned["meter"] = meter
        return cleaned


class ReplaceMeterView(MeterStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = ReplaceMeterForm
    page_title = gettext_lazy("Replace a meter")
    header_icon = "resubmit"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"meter": self.request.GET.get("meter", ""), "start_value": "0"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Replace the meter"),
            action_url=self.request.get_full_path(),
            intro=_(
                "The old meter is closed with its final reading; the new one takes its place (same unit, charge item "
                "and shared meter) from its start reading. The month's usage is the old meter's final reading minus "
                "its last billed reading plus the new meter's reading minus its start reading, on one bill line."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            done = replacements.replace_meter(
                data["meter"],
                data["date"],
                data["final_value"],
                data["new_code"],
                data["start_value"],
                self.request.user,
                multiplier=data["multiplier"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Meter %(old)s replaced by %(new)s on %(date)s.")
            % {"old": done.old_meter.code, "new": done.new_meter.code, "date": done.date.isoformat()},
        )
        return redirect(f"{reverse('meters_readings:index')}?q={done.new_meter.code}")


# --- settings ------------------------------------------------------------------------------------


class MeterSettingsForm(forms.ModelForm):
    class Meta:
        model = MeterSettings
        fields = ["abnormal_factor", "average_over"]


class SettingsIndexView(MeterStaffMixin, TemplateView):
    template_name = "meters/admin/settings.html"
    page_title = gettext_lazy("Meter settings")
    header_icon = "cog"

    def get_context_data(self, **kwargs):
        offices = list(meter_offices(self.request.user))
        saved = {row.office_id: row for row in MeterSettings.objects.filter(office__in=offices)}
        rows = [(office, saved.get(office.pk)) for office in offices]
        return super().get_context_data(
            rows=rows, default_factor=DEFAULT_ABNORMAL_FACTOR, default_average=DEFAULT_AVERAGE_OVER, **kwargs
        )


class SettingsEditView(MeterStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = MeterSettingsForm
    header_icon = "cog"

    def get_office(self) -> Office:
        return get_object_or_404(meter_offices(self.request.user), pk=self.kwargs["office"])

    def get_page_title(self):
        return _("Meter settings: %(office)s") % {"office": self.get_office()}

    def get_form_kwargs(self):
        office = self.get_office()
        instance = MeterSettings.objects.filter(office=office).first() or MeterSettings(office=office)
        return {**super().get_form_kwargs(), "instance": instance}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Save"),
            action_url=self.request.get_full_path(),
            intro=_(
                "A new reading is held for confirmation when its usage per day is more than the factor times the "
                "meter's usual usage per day, the usual being the average of its last readings. Changes apply to "
                "readings entered from now on."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        settings_row = services.update_settings(
            self.get_office(),
            self.request.user,
            abnormal_factor=data["abnormal_factor"],
            average_over=data["average_over"],
        )
        messages.success(self.request, _("Meter settings of %(office)s saved.") % {"office": settings_row.office})
        return redirect("meters_settings:index")
