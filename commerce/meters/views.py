"""Back-office screens of meter readings: the list, entering one, importing, the held queue, apportionment.

Billing clerks and office managers of an office (and headquarters) use them; everything they list
or touch is limited to those offices, and another office's reading is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.billing.runs import month_bounds
from portal.properties.tabular import ImportRefused

from . import apportionment, importers, services
from .access import may_use_meters, scope_for_meters
from .forms import ApportionmentForm, ReadingForm, ReadingImportForm, RejectForm
from .models import MeterReading

READINGS_SHOWN = 200


def scoped_readings(user):
    readings = MeterReading.objects.select_related("meter__office", "meter__unit__building", "entered_by")
    return scope_for_meters(user, readings, "meter__office")


class MeterStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "dashboard"

    def dispatch(self, request, *args, **kwargs):
        if not may_use_meters(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class ReadingIndexView(MeterStaffMixin, TemplateView):
    template_name = "meters/admin/readings.html"
    page_title = gettext_lazy("Meter readings")

    def get_context_data(self, **kwargs):
        readings = scoped_readings(self.request.user).order_by("-date", "-pk")
        status, code = self.request.GET.get("status", ""), self.request.GET.get("q", "").strip()
        if status in MeterReading.Status.values:
            readings = readings.filter(status=status)
        if code:
            readings = readings.filter(meter__code__icontains=code)
        return super().get_context_data(
            readings=readings[:READINGS_SHOWN], statuses=MeterReading.Status.choices, status=status, q=code, **kwargs
        )


class ReadingCreateView(MeterStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = ReadingForm
    page_title = gettext_lazy("Enter a meter reading")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Save the reading"),
            action_url=self.request.get_full_path(),
            intro=_(
                "A reading lower than the last one, or with usage far above the meter's usual usage, "
                "is held for confirmation and not billed until it is confirmed."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            reading = services.record_reading(data["meter"], data["date"], data["value"], self.request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        if reading.status == MeterReading.Status.HELD:
            messages.warning(
                self.request,
                _("Reading %(value)s of %(meter)s is held for confirmation: %(reason)s")
                % {"value": services.show(reading.value), "meter": reading.meter.code, "reason": reading.flag_reason},
            )
        else:
            usage = "" if reading.usage is None else services.show(reading.usage)
            messages.success(
                self.request,
                _("Saved reading %(value)s of %(meter)s (usage %(usage)s).")
                % {"value": services.show(reading.value), "meter": reading.meter.code, "usage": usage or "–"},
            )
        return redirect("meters_readings:new")


class ReadingImportView(MeterStaffMixin, FormView):
    template_name = "properties/admin/import.html"
    form_class = ReadingImportForm
    page_title = gettext_lazy("Import meter readings")
    header_icon = "upload"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Import"),
            action_url=self.request.get_full_path(),
            intro=_(
                "Each row is one reading: meter code, date, reading. If any row is wrong, nothing is imported and "
                "every wrong row is listed with its line number. Readings lower than the last one or with abnormal "
                "usage are imported but held for confirmation."
            ),
            columns=importers.COLUMNS,
            template_url=reverse("meters_readings:template"),
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = importers.import_readings(self.request.user, form.cleaned_data["office"], upload)
        except ImportRefused as refused:
            return self.render_to_response(
                self.get_context_data(form=form, refused=refused.errors, filename=upload.name), status=422
            )
        messages.success(self.request, _("Imported %(count)d readings.") % {"count": result.created})
        if result.held:
            messages.warning(
                self.request,
                _("%(count)d of them are held for confirmation: %(rows)s")
                % {
                    "count": len(result.held),
                    "rows": "; ".join(
                        _("line %(line)d (%(meter)s): %(reason)s")
                        % {"line": row.line, "meter": row.meter, "reason": row.reason}
                        for row in result.held
                    ),
                },
            )
            return redirect("meters_readings:held")
        return redirect("meters_readings:index")


def import_template(request):
    if not may_use_meters(request.user):
        raise PermissionDenied
    response = HttpResponse(importers.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meter-readings.csv"'
    return response


class HeldReadingsView(MeterStaffMixin, TemplateView):
    template_name = "meters/admin/held.html"
    page_title = gettext_lazy("Held readings")

    def get_context_data(self, **kwargs):
        held = scoped_readings(self.request.user).filter(status=MeterReading.Status.HELD).order_by("date", "pk")
        return super().get_context_data(readings=held[:READINGS_SHOWN], reject_form=RejectForm(), **kwargs)

    def post(self, request, pk=None):
        if pk is None:  # the list itself takes no POST; a decision names its reading
            return HttpResponseNotAllowed(["GET"])
        try:
            reading = scoped_readings(request.user).get(pk=pk)
        except MeterReading.DoesNotExist:
            raise Http404 from None
        try:
            if "confirm" in request.POST:
                services.confirm_reading(reading, request.user, request.POST.get("note", ""))
                messages.success(request, _("Reading of %(meter)s confirmed.") % {"meter": reading.meter.code})
            else:
                services.reject_reading(reading, request.user, request.POST.get("reason", ""))
                messages.success(request, _("Reading of %(meter)s rejected.") % {"meter": reading.meter.code})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("meters_readings:held")


class ApportionmentView(MeterStaffMixin, TemplateView):
    template_name = "meters/admin/apportionment.html"
    page_title = gettext_lazy("Shared meters (公摊)")

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or ApportionmentForm(self.request.GET or None, user=self.request.user)
        context = {"form": form}
        if form.is_valid():
            master, month = form.cleaned_data["meter"], form.cleaned_data["month"]
            start, end = month_bounds(month)
            context.update(master=master, period_start=start, saved=apportionment.current(master, start))
            if context["saved"] is not None:
                context["billed"] = apportionment.is_billed(context["saved"])
            try:
                context["calc"] = apportionment.calculate(master, start, end)
            except apportionment.ApportionmentError as exc:
                context["error"] = str(exc)
        return super().get_context_data(**context, **kwargs)

    def post(self, request):
        form = ApportionmentForm(request.POST, user=request.user)
        if form.is_valid():
            master, month = form.cleaned_data["meter"], form.cleaned_data["month"]
            start, end = month_bounds(month)
            try:
                saved = apportionment.apportion(master, start, end, request.user)
            except apportionment.ApportionmentError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("Apportionment of %(meter)s for %(month)s saved: loss %(loss)s over %(count)d units.")
                    % {
                        "meter": master.code,
                        "month": f"{start:%Y-%m}",
                        "loss": services.show(saved.loss),
                        "count": saved.shares.count(),
                    },
                )
            return redirect(f"{reverse('meters_apportionment')}?meter={master.pk}&month={start:%Y-%m}")
        return self.render_to_response(self.get_context_data(form=form))
