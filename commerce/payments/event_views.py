"""Back office: the payment provider's webhook events, what each did, and the ones needing a person.

Billing clerks and office managers see the events about their offices' payments; an event Linli could
not match to any payment belongs to no office and is shown to headquarters (and superusers) only.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.access import headquarters_company_ids, office_ids_with_role

from .models import ProviderEvent
from .refunds import REFUND_ROLES

EVENTS_SHOWN = 200


def _office_ids(user):
    return office_ids_with_role(user, REFUND_ROLES)


def may_see_events(user) -> bool:
    ids = _office_ids(user)
    return ids is None or bool(ids)


def scoped_events(user):
    ids = _office_ids(user)
    events = ProviderEvent.objects.select_related("office")
    if ids is None:
        return events
    unmatched = Q(office__isnull=True) if headquarters_company_ids(user) else Q(pk__in=[])
    return events.filter(Q(office_id__in=ids) | unmatched)


class EventFilterForm(forms.Form):
    type = forms.CharField(label=gettext_lazy("Event type contains"), max_length=100, required=False)
    attention = forms.BooleanField(label=gettext_lazy("Only events needing attention"), required=False)


class EventsMixin(WagtailAdminTemplateMixin):
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_events(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class EventListView(EventsMixin, TemplateView):
    template_name = "payments/admin/events.html"
    page_title = gettext_lazy("Payment provider events")

    def get_context_data(self, **kwargs):
        events = scoped_events(self.request.user)
        filters = EventFilterForm(self.request.GET or None)
        if filters.is_valid():
            if filters.cleaned_data["type"]:
                events = events.filter(type__icontains=filters.cleaned_data["type"])
            if filters.cleaned_data["attention"]:
                events = events.filter(result__endswith="needs attention")
        return super().get_context_data(events=list(events[:EVENTS_SHOWN]), filters=filters, **kwargs)


class EventDetailView(EventsMixin, TemplateView):
    template_name = "payments/admin/event_detail.html"
    page_title = gettext_lazy("Payment provider event")

    def get_context_data(self, pk, **kwargs):
        try:
            event = scoped_events(self.request.user).get(pk=pk)
        except ProviderEvent.DoesNotExist:
            raise Http404 from None
        payload = json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return super().get_context_data(event=event, payload=payload, **kwargs)
