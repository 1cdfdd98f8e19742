"""Back-office documents: receipt PDFs, a household's payment notice, and notices for a whole building
or community as one PDF. Scoped to the offices where the user takes payments."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.payments.models import Payment
from commerce.payments.services import DESK_ROLES
from portal import uploads
from portal.access import office_ids_with_role
from portal.properties.models import Building, Community, Unit

from . import batches, notice_pdf, pdf, receipt_pdf
from .models import NoticeBatch
from .notices import notice_for_unit
from .receipts import receipt_for

# Whoever takes payments also hands out receipts and notices.
DOCUMENT_ROLES = DESK_ROLES


def document_office_ids(user):
    return office_ids_with_role(user, DOCUMENT_ROLES)


def may_print_documents(user) -> bool:
    ids = document_office_ids(user)
    return ids is None or bool(ids)


def scoped(user, queryset, path):
    ids = document_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


class DocumentAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_print_documents(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _pay_url(request):
    return request.build_absolute_uri(reverse("pay_bills"))


class ReceiptPdfView(DocumentAccessMixin, View):
    def get(self, request, pk):
        try:
            payment = scoped(request.user, Payment.objects.all(), "office_id").get(
                pk=pk, status=Payment.Status.SUCCEEDED
            )
        except Payment.DoesNotExist:
            raise Http404 from None
        receipt = receipt_for(payment)
        return pdf.pdf_response(receipt_pdf.render_receipt_pdf(receipt), receipt_pdf.filename(receipt), attachment=True)


class UnitNoticeMixin(DocumentAccessMixin):
    def notice(self, request, pk):
        try:
            unit = scoped(request.user, Unit.objects.all(), "building__community__office_id").get(pk=pk)
        except Unit.DoesNotExist:
            raise Http404 from None
        return notice_for_unit(unit)


class UnitNoticeView(UnitNoticeMixin, View):
    """A print-friendly page of one household's notice, from the unit lookup."""

    def get(self, request, pk):
        notice = self.notice(request, pk)
        return render(
            request,
            "documents/notice_print.html",
            {
                "notice": notice,
                "pay_url": _pay_url(request),
                "pdf_url": reverse("documents_unit_notice_pdf", args=[pk]),
                "back_url": reverse("properties_unit:inspect", args=[pk]),
            },
        )


class UnitNoticePdfView(UnitNoticeMixin, View):
    def get(self, request, pk):
        notice = self.notice(request, pk)
        if not notice.bills:
            return redirect("documents_unit_notice", pk)
        data = notice_pdf.render_notices_pdf([notice], _pay_url(request), title=_("Payment notice"))
        return pdf.pdf_response(data, f"payment-notice-{pdf.safe_filename(notice.unit.label)}.pdf")


class BatchNoticeForm(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Households"),
        help_text=gettext_lazy("A whole community, or one building of it."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = list(scoped(user, Community.objects.order_by("name"), "office_id"))
        buildings = scoped(user, Building.objects.order_by("name"), "community__office_id")
        by_community = {}
        for building in buildings:
            by_community.setdefault(building.community_id, []).append(building)
        choices = []
        for community in communities:
            options = [(f"community:{community.pk}", _("%(community)s: every building") % {"community": community})]
            for building in by_community.get(community.pk, []):
                label = _("%(community)s: building %(building)s") % {"community": community, "building": building.name}
                options.append((f"building:{building.pk}", label))
            choices.append((community.name, options))
        self.fields["scope"].choices = choices


RECENT_BATCHES = 20


def scoped_batches(user):
    return scoped(user, NoticeBatch.objects.select_related("created_by"), "office_id")


class BatchNoticeView(DocumentAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """Start printing the notices of every household of a building or community with something due."""

    template_name = "documents/admin/batch.html"
    page_title = gettext_lazy("Payment notices")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Payment notices")}]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", BatchNoticeForm(user=self.request.user))
        return super().get_context_data(batches=scoped_batches(self.request.user)[:RECENT_BATCHES], **kwargs)

    def post(self, request, *args, **kwargs):
        form = BatchNoticeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                batch = batches.start_batch(request.user, form.cleaned_data["scope"], DOCUMENT_ROLES)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("documents_notice_batch", batch.pk)
        return self.render_to_response(self.get_context_data(form=form), status=200)


class BatchDetailView(DocumentAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """A batch's progress (polled by htmx every second while it runs) and its PDF once ready."""

    template_name = "documents/admin/batch_detail.html"
    header_icon = "doc-full"

    def get_batch(self) -> NoticeBatch:
        try:
            return scoped_batches(self.request.user).get(pk=self.kwargs["pk"])
        except NoticeBatch.DoesNotExist:
            raise Http404 from None

    def get_page_title(self):
        return _("Payment notices: %(place)s") % {"place": self.batch.place}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("documents_notices"), "label": _("Payment notices")},
            {"url": "", "label": self.batch.place},
        ]

    def get(self, request, *args, **kwargs):
        self.batch = self.get_batch()
        context = {"batch": self.batch, "polling": self.batch.is_active}
        if request.htmx:
            return render(request, "documents/admin/batch_progress.html", context)
        return self.render_to_response(self.get_context_data(**context))


class BatchFileView(DocumentAccessMixin, View):
    """The batch's PDF, served through the office check (notices carry residents' names)."""

    def get(self, request, pk):
        try:
            batch = scoped_batches(request.user).get(pk=pk, status=NoticeBatch.Status.DONE)
        except NoticeBatch.DoesNotExist:
            raise Http404 from None
        return uploads.stored_file_response(
            batch.file,
            content_type="application/pdf",
            as_attachment=True,
            filename=batch.file.name.rsplit("/", 1)[-1],
        )
