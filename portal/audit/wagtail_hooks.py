"""The audit log in the back office: read-only, scoped by portal.access.

Office managers read the entries of the offices they manage; headquarters read their company's;
nobody gets an add, edit or delete screen because none is routed.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from portal import access
from portal.properties.models import Office

from .display import change_rows, changed_fields, extra_details, object_type_label
from .models import AuditEntry


class AuditPermissionPolicy(BasePermissionPolicy):
    """Reading is the only permission there is, decided by portal.access rather than Django groups."""

    def user_has_permission(self, user, action):
        return action == "view" and access.can_view_audit_log(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and (
            access.scope_audit_entries(user, AuditEntry.objects.filter(pk=instance.pk)).exists()
        )

    def users_with_any_permission(self, actions):
        from portal.people.models import StaffMembership, StaffRole

        User = get_user_model()
        if "view" not in actions:
            return User.objects.none()
        readers = StaffMembership.objects.active().filter(
            role__in=[StaffRole.OFFICE_MANAGER, StaffRole.HEADQUARTERS]
        )
        return User.objects.filter(Q(is_superuser=True) | Q(pk__in=readers.values("user_id")), is_active=True)


audit_policy = AuditPermissionPolicy(AuditEntry)
register_permission_policy(AuditEntry, audit_policy)


class AuditFilterSet(WagtailFilterSet):
    at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    actor = django_filters.ChoiceFilter(label=_("Who"), field_name="actor_id")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEntry.Action.choices)
    object_type = django_filters.ChoiceFilter(label=_("Object type"))
    office = django_filters.ChoiceFilter(label=_("Office"), field_name="office_id")

    class Meta:
        model = AuditEntry
        fields = ["at", "actor", "action", "object_type", "office"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the entries this user may read, so they never name other offices' staff.
        entries = self.queryset.order_by()
        actors = entries.exclude(actor_id=None).values_list("actor_id", "actor_label").distinct()
        self.filters["actor"].extra["choices"] = sorted({(pk, label) for pk, label in actors}, key=lambda c: c[1])
        types = entries.values_list("object_type", flat=True).distinct()
        self.filters["object_type"].extra["choices"] = sorted(
            ((t, object_type_label(t)) for t in types), key=lambda c: str(c[1])
        )
        office_ids = set(entries.exclude(office_id=None).values_list("office_id", flat=True).distinct())
        if len(office_ids) > 1:
            offices = Office.objects.filter(pk__in=office_ids).order_by("name").values_list("pk", "name")
            self.filters["office"].extra["choices"] = list(offices)
        else:
            del self.filters["office"]


class AuditIndexView(IndexView):
    any_permission_required = ["view"]
    page_title = _("Audit log")

    def get_base_queryset(self):
        return access.scope_audit_entries(self.request.user, super().get_base_queryset())

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "queryset": self.get_base_queryset()}


class AuditDetailView(InspectView):
    any_permission_required = ["view"]
    template_name = "audit/entry_detail.html"
    page_title = _("Audit entry")

    def get_object(self, queryset=None):
        # Wagtail loads the object before checking permissions; refuse outsiders before that.
        if not access.can_view_audit_log(self.request.user):
            raise PermissionDenied
        return get_object_or_404(access.scope_audit_entries(self.request.user, AuditEntry.objects.all()), pk=self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_type_label"] = object_type_label(self.object.object_type)
        context["office"] = Office.objects.filter(pk=self.object.office_id).first() if self.object.office_id else None
        context["rows"] = change_rows(self.object)
        context["extra"] = extra_details(self.object)
        return context


class AuditViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 900
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = AuditIndexView
    inspect_view_class = AuditDetailView
    filterset_class = AuditFilterSet
    list_per_page = 50
    # Plain database lookups: the log is not in the search index, and "who touched unit 3-1201" is a substring.
    search_fields = ["object_label", "actor_label", "summary"]
    search_backend_name = None
    ordering = ["-at", "-id"]

    @cached_property
    def list_display(self):
        return [
            TitleColumn("at", label=_("When"), url_name=self.get_url_name("inspect"), sort_key="at"),
            Column("actor_label", label=_("Who")),
            Column("ip_address", label=_("IP address")),
            Column("action", label=_("Action"), accessor="get_action_display"),
            Column("object_type", label=_("Object type"), accessor=lambda e: object_type_label(e.object_type)),
            Column("object_label", label=_("Object")),
            Column("summary", label=_("What changed"), accessor=changed_fields),
        ]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add", "edit", "delete", "copy", "history", "usage"):
            view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # Access is decided by role (portal.access), not by group permissions an admin could tick.
        return Permission.objects.none()


@hooks.register("register_admin_viewset")
def register_audit_log():
    return AuditViewSet("audit")
