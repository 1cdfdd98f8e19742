"""Back-office screens of service orders: the office's list, and one order (quote, assign, cancel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money

from . import services
from .forms import AssignForm, CancelForm, QuoteForm
from .models import ServiceOrder

SHOWN = 200


class OrderStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not services.staff_may_see_orders(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class OrderIndexView(OrderStaffMixin, TemplateView):
    template_name = "services_catalog/admin/orders.html"
    page_title = gettext_lazy("Service orders")

    def get_context_data(self, **kwargs):
        orders = services.orders_for_staff(self.request.user)
        status = self.request.GET.get("status", "")
        if status == "open":
            orders = orders.filter(status__in=ServiceOrder.OPEN)
        elif status in ServiceOrder.Status.values:
            orders = orders.filter(status=status)
        orders = list(orders[:SHOWN])
        for order in orders:
            order.amount_display = format_money(order.amount) if order.amount is not None else "–"
        return super().get_context_data(orders=orders, statuses=ServiceOrder.Status.choices, status=status, **kwargs)


class OrderDetailView(OrderStaffMixin, TemplateView):
    template_name = "services_catalog/admin/order.html"
    page_title = gettext_lazy("Service order")

    def get_order(self):
        try:
            return services.orders_for_staff(self.request.user).get(pk=self.kwargs["pk"])
        except ServiceOrder.DoesNotExist:
            raise Http404 from None

    def get_page_subtitle(self):
        return self.order.reference

    def get(self, request, *args, **kwargs):
        self.order = self.get_order()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        order = self.order
        kwargs.setdefault("quote_form", QuoteForm())
        kwargs.setdefault(
            "assign_form",
            AssignForm(people=services.provider_people(order) or None, initial={"person": order.assignee_id}),
        )
        kwargs.setdefault("cancel_form", CancelForm())
        return super().get_context_data(
            order=order,
            amount=format_money(order.amount) if order.amount is not None else "",
            options=order.options.all(),
            events=order.events.select_related("actor"),
            can_assign=order.status in (ServiceOrder.Status.CONFIRMED, ServiceOrder.Status.ASSIGNED),
            can_cancel=order.can_become(ServiceOrder.Status.CANCELLED),
            **kwargs,
        )

    def post(self, request, pk):
        self.order = order = self.get_order()
        action = request.POST.get("action")
        forms = {}
        try:
            if action == "quote":
                form = forms["quote_form"] = QuoteForm(request.POST)
                if form.is_valid():
                    services.answer_quote(request.user, order, form.cleaned_data["amount"], form.cleaned_data["note"])
                    messages.success(request, _("The quote is sent to the resident."))
            elif action == "assign":
                form = forms["assign_form"] = AssignForm(request.POST, people=services.provider_people(order) or None)
                if form.is_valid():
                    services.assign(request.user, order, form.cleaned_data["person"])
                    messages.success(request, _("Assigned to %(person)s.") % {"person": form.cleaned_data["person"]})
            elif action in ("start", "finish"):
                (services.mark_started if action == "start" else services.mark_finished)(request.user, order)
                messages.success(request, _("The order is updated."))
            elif action == "cancel":
                form = forms["cancel_form"] = CancelForm(request.POST)
                if form.is_valid():
                    services.cancel_by_staff(request.user, order, form.cleaned_data["reason"])
                    messages.success(request, _("The order is cancelled and whatever was paid is refunded."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        if any(not f.is_valid() for f in forms.values()):
            order.refresh_from_db()
            return self.render_to_response(self.get_context_data(**forms), status=422)
        return redirect("services_orders:detail", pk=order.pk)
