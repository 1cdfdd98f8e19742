"""Back-office documents: receipt PDFs, a household's payment notice, and notices for a whole building
or community as one PDF. Scoped to the offices where the user takes payments."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.payments.models import Payment
from commerce.payments.services import DESK_ROLES
from portal.access import office_ids_with_role
from portal.properties.models import Building, Community, Unit

from . import notice_pdf, pdf, receipt_pdf
from .notices import notice_for_unit, notices_for_units
from .receipts import receipt_for

# Whoever takes payments also hands out receipts and notices.
DOCUMENT_ROLES = DESK_ROLES
# A batch is rendered within the request (about 0.05 s a page); bigger batches go building by building.
MAX_BATCH_PAGES = 600


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

    def units(self):
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        if kind == "community":
            return Unit.objects.filter(building__community_id=pk), Community.objects.get(pk=pk).name
        building = Building.objects.select_related("community").get(pk=pk)
        return Unit.objects.filter(building=building), f"{building.community.name} {building.name}"


class BatchNoticeView(DocumentAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """Print the notices of every household of a building or community with something due: one PDF."""

    template_name = "documents/admin/batch.html"
    page_title = gettext_lazy("Payment notices")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Payment notices")}]

    def get(self, request, *args, **kwargs):
        form = BatchNoticeForm(request.GET or None, user=request.user)
        if form.is_valid():
            units, place = form.units()
            notices = notices_for_units(units)
            if len(notices) > MAX_BATCH_PAGES:
                form.add_error(
                    None,
                    _(
                        "%(count)s households of %(place)s have something due, more than %(max)s at once: "
                        "print their notices one building at a time."
                    )
                    % {"count": len(notices), "place": place, "max": MAX_BATCH_PAGES},
                )
            elif notices:
                title = _("Payment notices: %(place)s") % {"place": place}
                data = notice_pdf.render_notices_pdf(notices, _pay_url(request), title=title)
                scope = form.cleaned_data["scope"].replace(":", "-")
                filename = f"payment-notices-{scope}-{timezone.localdate():%Y-%m-%d}.pdf"
                return pdf.pdf_response(data, filename)
            else:
                form.add_error(None, _("No household of %(place)s has anything due.") % {"place": place})
        return self.render_to_response(self.get_context_data(form=form))
