"""The charge preview: what one unit would pay for a charge item, with the calculation."""

from __future__ import annotations

import calendar

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal.access import get_for_staff_or_404

from .charges import ChargeError, compute_charge
from .forms import PreviewForm
from .models import ChargeItem


class ChargePreviewView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/preview.html"
    header_icon = "view"

    def dispatch(self, request, pk):
        if not request.user.has_perm("billing.view_chargeitem"):
            raise PermissionDenied
        self.item = get_for_staff_or_404(request.user, ChargeItem.objects.select_related("office"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Preview “%(item)s”") % {"item": self.item.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("billing_chargeitem:index"), "label": _("Charge items")},
            {"url": reverse("billing_chargeitem:edit", args=[self.item.pk]), "label": self.item.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        form = PreviewForm(self.request.GET or None, item=self.item)
        line = error = None
        if form.is_valid():
            month = form.cleaned_data["month"]
            start = month.replace(day=1)
            end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            try:
                line = compute_charge(
                    form.cleaned_data["unit"], self.item, start, end, usage=form.cleaned_data.get("usage")
                )
            except ChargeError as exc:
                error = str(exc)
        return super().get_context_data(form=form, item=self.item, line=line, error=error, **kwargs)
