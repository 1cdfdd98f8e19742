"""Back-office screens of service orders: the office's list, and one order (quote, assign, cancel)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from portal.properties import household_search
from portal.properties.models import Unit

from . import services
from .forms import AssignForm, CancelForm, QuoteForm
from .models import Service, ServiceOrder, plain

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


class DeskOrderView(OrderStaffMixin, TemplateView):
    """The front desk books a service for a household that phoned or walked in.

    Three steps in the address bar, so the clerk can go back: find the household (``?q=``), pick a
    service (``?unit=``), then the order form (``?unit=&service=``).
    """

    template_name = "services_catalog/admin/desk_order.html"
    page_title = gettext_lazy("Order for a resident")
    header_icon = "plus"

    def _unit(self, request):
        wanted = request.POST.get("unit") or request.GET.get("unit")
        if not wanted:
            return None
        try:
            return services.desk_units(request.user).get(pk=wanted)
        except (Unit.DoesNotExist, ValueError):
            raise Http404 from None

    def _service(self, request, unit):
        wanted = request.POST.get("service") or request.GET.get("service")
        if unit is None or not wanted:
            return None
        try:
            return services.services_for_unit(unit).get(pk=wanted)
        except (Service.DoesNotExist, ValueError):
            raise Http404 from None

    def get_context_data(self, data=None, **kwargs):
        request = self.request
        unit = self._unit(request)
        service = self._service(request, unit)
        query = request.GET.get("q", "")
        context = {"query": query, "unit": unit, "service": service, "data": data or {}}
        if unit is None:
            context["results"] = services.find_units(request.user, query)
        elif service is None:
            rows = list(services.services_for_unit(unit).order_by("category__sort_order", "sort_order", "name"))
            for row in rows:
                row.price_label = services.posted_price(row)
            context["services"] = rows
            context["residents"] = household_search.resident_names([unit])[unit.pk]
        else:
            context["residents"] = household_search.resident_names([unit])[unit.pk]
            context.update(self._form_context(service, data or {}))
        return super().get_context_data(**context, **kwargs)

    def _form_context(self, service, data):
        methods = [(ServiceOrder.Payment.HOUSEHOLD, _("Charge to the household account"))]
        if not service.allow_household_charge:
            methods = []
        methods.append((ServiceOrder.Payment.ONLINE, _("Leave it for the resident to pay online")))
        return {
            "price_label": services.posted_price(service),
            "slots": services.available_slots(service),
            "options": [(o, format_money(o.price)) for o in service.options.all()],
            "methods": methods,
            "channels": [c for c in ServiceOrder.Channel.choices if c[0] != ServiceOrder.Channel.ONLINE],
            "chosen_options": data.getlist("option") if hasattr(data, "getlist") else [],
            "request_key": data.get("request_key") or uuid.uuid4().hex,
            "desk_hours": plain(Decimal(settings.SERVICES_DESK_UNPAID_MINUTES) / 60),
        }

    def post(self, request):
        unit = self._unit(request)
        service = self._service(request, unit)
        if unit is None or service is None:
            raise Http404
        try:
            order = services.place_order_for_resident(
                request.user,
                unit,
                service,
                channel=request.POST.get("channel", ""),
                slot_start=services.parse_slot(request.POST.get("slot")),
                quantity=request.POST.get("quantity", "1"),
                option_ids=request.POST.getlist("option"),
                note=request.POST.get("note", ""),
                payment_method=request.POST.get("payment", ""),
                request_key=request.POST.get("request_key", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            return self.render_to_response(self.get_context_data(data=request.POST), status=422)
        messages.success(
            request,
            {
                ServiceOrder.Status.CONFIRMED: _("Order %(ref)s is booked and charged to the household account."),
                ServiceOrder.Status.AWAITING_PAYMENT: _(
                    "Order %(ref)s is booked; the residents are asked to pay it online."
                ),
                ServiceOrder.Status.QUOTE_REQUESTED: _("Quote request %(ref)s is recorded."),
            }.get(order.status, _("Order %(ref)s is recorded."))
            % {"ref": order.reference},
        )
        return redirect("services_orders:detail", pk=order.pk)
