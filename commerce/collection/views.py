"""Back-office screens of bank collection: batches (new, download, upload result, close) and mandates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from commerce.payments.desk_views import UnitLookupForm
from portal import uploads
from portal.access import office_ids_with_role
from portal.properties.models import Office, Unit
from portal.properties.tabular import ImportRefused

from . import services
from .models import BankMandate, CollectionBatch, CollectionLine

BATCHES_SHOWN = 100
MANDATES_SHOWN = 300


def _ids(user, roles):
    return office_ids_with_role(user, roles)


def may_see_batches(user) -> bool:
    ids = _ids(user, services.COLLECTION_ROLES)
    return ids is None or bool(ids)


def may_see_mandates(user) -> bool:
    ids = _ids(user, services.MANDATE_ROLES)
    return ids is None or bool(ids)


def _scoped(user, roles, queryset, path):
    ids = _ids(user, roles)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def scoped_batches(user):
    return _scoped(
        user, services.COLLECTION_ROLES, CollectionBatch.objects.select_related("office", "created_by"), "office_id"
    )


def scoped_mandates(user):
    return _scoped(
        user,
        services.MANDATE_ROLES,
        BankMandate.objects.select_related("unit__building__community"),
        "unit__building__community__office_id",
    )


class CollectionMixin(WagtailAdminTemplateMixin):
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_batches(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("collection_batches:index"), "label": _("Bank collection")}]


# Batches -------------------------------------------------------------------------------------------


class BatchIndexView(CollectionMixin, TemplateView):
    template_name = "collection/admin/batch_index.html"
    page_title = gettext_lazy("Bank collection")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Bank collection")}]

    def get_context_data(self, **kwargs):
        batches = list(scoped_batches(self.request.user)[:BATCHES_SHOWN])
        for batch in batches:
            batch.total_display = format_money(batch.total_amount, batch.currency)
        return super().get_context_data(batches=batches, **kwargs)


class NewBatchForm(forms.Form):
    office = forms.ModelChoiceField(label=gettext_lazy("Office"), queryset=Office.objects.none())
    as_of = forms.DateField(
        label=gettext_lazy("Bills up to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Bills of months starting on or before this date are collected."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offices = Office.objects.select_related("region__company").order_by("name")
        ids = _ids(user, services.COLLECTION_ROLES)
        self.fields["office"].queryset = offices if ids is None else offices.filter(pk__in=ids)
        choices = list(self.fields["office"].queryset[:2])
        if len(choices) == 1:
            self.fields["office"].initial = choices[0]


class NewBatchView(CollectionMixin, TemplateView):
    template_name = "collection/admin/batch_new.html"
    page_title = gettext_lazy("New collection batch")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("New collection batch")}]

    def get(self, request, *args, **kwargs):
        form = NewBatchForm(user=request.user, initial={"as_of": timezone.localdate()})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = NewBatchForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        office, as_of = form.cleaned_data["office"], form.cleaned_data["as_of"]
        if "confirm" in request.POST:
            try:
                batch = services.create_batch(request.user, office, as_of)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The batch was created; download its file for the bank."))
                return redirect("collection_batches:detail", batch.pk)
        plan = services.plan_batch(office, as_of)
        currency = services.currency_of(office)
        for line in plan.lines:
            line.amount_display = format_money(line.amount, currency)
            line.months = services.months_label(line.bills)
        context = {"form": form, "plan": plan, "total": format_money(plan.total, currency)}
        return self.render_to_response(self.get_context_data(**context))


class ResultUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank's result file"),
        help_text=gettext_lazy("CSV or Excel: line reference, account number, amount, result, reason."),
        validators=[uploads.spreadsheet],
    )


class BatchDetailView(CollectionMixin, TemplateView):
    template_name = "collection/admin/batch_detail.html"

    def dispatch(self, request, *args, pk, **kwargs):
        if may_see_batches(request.user):
            try:
                self.batch = scoped_batches(request.user).get(pk=pk)
            except CollectionBatch.DoesNotExist:
                raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Collection batch %(name)s") % {"name": self.batch.file_name}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.batch.file_name}]

    def get(self, request, *args, **kwargs):
        return self._render()

    def post(self, request, *args, **kwargs):
        batch = self.batch
        try:
            if request.POST.get("action") == "close":
                services.close_batch(request.user, batch)
                messages.success(request, _("The batch is closed."))
                return redirect("collection_batches:detail", batch.pk)
            form = ResultUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return self._render(form=form)
            upload = form.cleaned_data["file"]
            try:
                outcome = services.import_results(request.user, batch, upload)
            except ImportRefused as refused:
                return self._render(form=ResultUploadForm(), refused=refused.errors, filename=upload.name)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("collection_batches:detail", batch.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("collection_batches:detail", batch.pk)
        messages.success(
            request,
            _("Result imported: %(paid)s paid (%(amount)s), %(failed)s failed, %(unchanged)s already recorded.")
            % {
                "paid": outcome.paid,
                "amount": format_money(outcome.paid_amount, batch.currency),
                "failed": outcome.failed,
                "unchanged": outcome.unchanged,
            },
        )
        return redirect("collection_batches:detail", batch.pk)

    def _render(self, form=None, refused=None, filename=""):
        batch = self.batch
        batch.refresh_from_db()
        lines = list(
            batch.lines.select_related("unit__building__community", "payment").prefetch_related("bills").order_by("pk")
        )
        for line in lines:
            line.amount_display = format_money(line.amount, batch.currency)
            line.months = services.months_label(sorted(line.bills.all(), key=lambda b: (b.period_start, b.pk)))
        summary = [
            {"label": label, "status": status, **values}
            for (status, label), values in zip(
                CollectionLine.Status.choices, services.batch_summary(batch).values(), strict=True
            )
        ]
        for row in summary:
            row["amount_display"] = format_money(row["amount"], batch.currency)
        context = {
            "batch": batch,
            "lines": lines,
            "summary": summary,
            "total": format_money(batch.total_amount, batch.currency),
            "form": form or ResultUploadForm(),
            "may_import": batch.status != CollectionBatch.Status.CLOSED,
            "may_close": batch.can_become(CollectionBatch.Status.CLOSED),
            "refused": refused,
            "filename": filename,
        }
        return self.render_to_response(self.get_context_data(**context))


class BatchDownloadView(View):
    def get(self, request, pk):
        if not may_see_batches(request.user):
            raise PermissionDenied
        try:
            batch = scoped_batches(request.user).get(pk=pk)
        except CollectionBatch.DoesNotExist:
            raise Http404 from None
        response = HttpResponse(services.export_csv(batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
        return response


# Mandates ------------------------------------------------------------------------------------------


class MandateMixin(WagtailAdminTemplateMixin):
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_mandates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("collection_mandates:index"), "label": _("Bank mandates")}]


class MandateFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Unit, holder or bank"), required=False, max_length=100)
    active = forms.ChoiceField(
        label=gettext_lazy("Active"),
        required=False,
        choices=[("", gettext_lazy("Any")), ("yes", gettext_lazy("Active")), ("no", gettext_lazy("Inactive"))],
    )


class MandateIndexView(MandateMixin, TemplateView):
    template_name = "collection/admin/mandate_index.html"
    page_title = gettext_lazy("Bank mandates")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Bank mandates")}]

    def get_context_data(self, **kwargs):
        mandates = scoped_mandates(self.request.user)
        filters = MandateFilterForm(self.request.GET or None)
        if filters.is_valid():
            if q := filters.cleaned_data["q"].strip():
                mandates = mandates.filter(
                    Q(unit__number__icontains=q) | Q(account_holder__icontains=q) | Q(bank_name__icontains=q)
                )
            if active := filters.cleaned_data["active"]:
                mandates = mandates.filter(active=active == "yes")
        return super().get_context_data(mandates=list(mandates[:MANDATES_SHOWN]), filters=filters, **kwargs)


class MandateForm(forms.Form):
    account_holder = forms.CharField(label=gettext_lazy("Account holder"), max_length=100)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=100)
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=40)
    active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("An active mandate replaces the unit's other active mandate."),
    )


class MandateEditView(MandateMixin, TemplateView):
    """Add a mandate to a unit (``?unit=``, or find the unit first) or change one (``pk``)."""

    template_name = "collection/admin/mandate_form.html"

    def get_page_title(self):
        return _("Change bank mandate") if self.mandate else _("New bank mandate")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, pk=None, **kwargs):
        self.mandate, self.unit = None, None
        if may_see_mandates(request.user):
            if pk is not None:
                try:
                    self.mandate = scoped_mandates(request.user).get(pk=pk)
                except BankMandate.DoesNotExist:
                    raise Http404 from None
                self.unit = self.mandate.unit
            elif unit_id := request.POST.get("unit") or request.GET.get("unit"):
                try:
                    unit = Unit.objects.select_related("building__community__office").get(pk=unit_id)
                except (Unit.DoesNotExist, ValueError):
                    raise Http404 from None
                if not services.may_manage_mandates(request.user, unit.building.community.office):
                    raise Http404
                self.unit = unit
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        lookup = None
        if self.unit is None:
            lookup = UnitLookupForm(request.GET if "number" in request.GET else None, user=request.user)
            if lookup.is_valid():
                return redirect(f"{reverse('collection_mandates:add')}?unit={lookup.cleaned_data['unit'].pk}")
        initial = {"active": True}
        if self.mandate:
            m = self.mandate
            initial = {
                "account_holder": m.account_holder,
                "bank_name": m.bank_name,
                "account_number": m.account_number,
                "active": m.active,
            }
        form = MandateForm(initial=initial) if self.unit else None
        return self._render(form=form, lookup=lookup)

    def post(self, request, *args, **kwargs):
        if self.unit is None:
            raise Http404
        form = MandateForm(request.POST)
        if form.is_valid():
            try:
                services.save_mandate(request.user, self.unit, mandate=self.mandate, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("account_number" if exc.code == "account" else None, exc)
            else:
                messages.success(request, _("The bank mandate of %(unit)s was saved.") % {"unit": self.unit})
                return redirect("collection_mandates:index")
        return self._render(form=form)

    def _render(self, form=None, lookup=None):
        history = list(BankMandate.objects.filter(unit=self.unit).order_by("-active", "-pk")) if self.unit else []
        context = {"unit": self.unit, "mandate": self.mandate, "form": form, "lookup": lookup, "history": history}
        return self.render_to_response(self.get_context_data(**context))
