"""The "People" back-office menu: residents, invitations, join requests, staff.

Listings are scoped with ``portal.access`` (another office's rows never appear; their URLs are
404); changes go through ``portal.people.services``. Wagtail's generic add/edit/delete screens
are not used for these models: every change here is an explicit action.
"""

from __future__ import annotations

import datetime

import django_filters
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import ButtonsColumnMixin, Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button

from portal import access
from portal.properties.models import Community

from . import backoffice, services
from .models import Invitation, JoinRequest, ResidentMembership, StaffMembership, StaffRole


def date_column(name, label, sort_key=None):
    """Dates and times as plain local dates (Wagtail's DateColumn shows "x ago", wrong for future dates)."""

    def value(instance):
        value = getattr(instance, name)
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return date_format(value, "SHORT_DATE_FORMAT")

    return Column(name, label=label, accessor=value, sort_key=sort_key)


def _scoped_communities(request):
    return access.scope_to_offices(request.user, Community.objects.all())


class ScopedIndexView(IndexView):
    scope = None
    list_select_related: tuple[str, ...] = ()
    detail_url_name = None

    @cached_property
    def columns(self):
        columns = list(super().columns)
        first = columns[0]
        if isinstance(first, TitleColumn) and not isinstance(first, ButtonsColumnMixin):
            # A TitleColumn given in list_display gets the row link and action buttons too.
            column_class = self._get_title_column_class(TitleColumn)
            columns[0] = column_class(
                first.name,
                label=first.label,
                accessor=first.accessor,
                sort_key=first.sort_key,
                get_url=self.get_edit_url,
            )
        return columns

    def get_base_queryset(self):
        return self.scope(self.request.user, super().get_base_queryset().select_related(*self.list_select_related))

    def detail_url(self, instance):
        return reverse(self.detail_url_name, args=[instance.pk]) if self.detail_url_name else None

    def get_edit_url(self, instance):
        return self.detail_url(instance)

    def get_delete_url(self, instance):
        return None

    def get_copy_url(self, instance):
        return None

    def get_inspect_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        return []  # the row title opens the object; actions are added by each listing


class PeopleViewSet(ModelViewSet):
    """Index (+ results) from Wagtail, every other screen from ``backoffice``."""

    index_view_class = ScopedIndexView
    scope = None
    list_select_related: tuple[str, ...] = ()
    copy_view_enabled = False
    search_backend_name = None
    add_to_reference_index = False
    add_view_class = None
    detail_view_name = None  # the viewset URL a row's title links to

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        kwargs.update(
            add_url_name=self.get_url_name("add") if self.add_view_class else None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
        )
        return kwargs

    def get_index_view_kwargs(self, **kwargs):
        kwargs.setdefault("page_title", self.menu_label)
        return super().get_index_view_kwargs(
            scope=self.scope,
            list_select_related=self.list_select_related,
            detail_url_name=self.get_url_name(self.detail_view_name) if self.detail_view_name else None,
            **kwargs,
        )

    def action_view(self, view_class, **kwargs):
        return view_class.as_view(
            model=self.model,
            scope=self.scope,
            index_url_name=self.get_url_name("index"),
            header_icon=self.icon,
            **kwargs,
        )

    def get_action_urlpatterns(self):
        return []

    def get_urlpatterns(self):
        urlpatterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]
        if self.add_view_class:
            add_view = self.action_view(self.add_view_class, **self.add_view_kwargs())
            urlpatterns.append(path("new/", add_view, name="add"))
        return urlpatterns + self.get_action_urlpatterns()

    def add_view_kwargs(self):
        return {}

    @property
    def url_finder_class(self):
        detail = self.get_url_name(self.detail_view_name) if self.detail_view_name else None

        class Finder(ModelAdminURLFinder):
            def construct_edit_url(self, instance):
                return reverse(detail, args=[instance.pk]) if detail else None

        return Finder


# --- residents ---------------------------------------------------------------------------------


class ResidentFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), field_name="unit__building__community", queryset=_scoped_communities
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("current", _("Living here")), ("moved_out", _("Moved out"))],
        method="filter_status",
        empty_label=_("All"),
    )

    class Meta:
        model = ResidentMembership
        fields = ["community", "status", "role", "source"]

    def filter_status(self, queryset, name, value):
        if value == "current":
            return queryset.active()
        if value == "moved_out":
            return queryset.filter(end_date__lte=timezone.localdate())
        return queryset


class EndableIndexView(ScopedIndexView):
    """A listing whose open rows (no end date yet) offer one ending action: move out, end role."""

    end_label = end_url_name = end_icon = None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.end_date is None and self.user_has_permission("change"):
            buttons.append(
                Button(
                    self.end_label,
                    url=reverse(self.end_url_name, args=[instance.pk]),
                    icon_name=self.end_icon,
                    priority=10,
                )
            )
        return buttons


class ResidentIndexView(EndableIndexView):
    end_label, end_url_name, end_icon = _("Move out"), "people_residents:move_out", "logout"


class ResidentViewSet(PeopleViewSet):
    model = ResidentMembership
    name = "people_residents"
    url_prefix = "people/residents"
    icon = "group"
    menu_label = _("Residents")
    index_view_class = ResidentIndexView
    scope = staticmethod(backoffice.scope_residents)
    list_select_related = ("user", "unit__building__community")
    filterset_class = ResidentFilterSet
    search_fields = ["user__full_name", "user__email", "user__phone", "unit__number"]
    list_display = [
        TitleColumn("user", label=_("Resident"), accessor="user"),
        Column("unit", label=_("Unit")),
        Column("role", label=_("Role"), accessor="get_role_display"),
        date_column("start_date", label=_("Moved in"), sort_key="start_date"),
        date_column("end_date", label=_("Moved out"), sort_key="end_date"),
        Column("source", label=_("Joined by"), accessor="get_source_display"),
    ]

    def get_action_urlpatterns(self):
        return [
            path("<int:pk>/move-out/", self.action_view(backoffice.MoveOutView), name="move_out"),
        ]


# --- invitations -------------------------------------------------------------------------------


class InvitationFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), field_name="unit__building__community", queryset=_scoped_communities
    )
    state = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("Open")), ("used", _("Used")), ("revoked", _("Withdrawn")), ("expired", _("Expired"))],
        method="filter_state",
        empty_label=_("All"),
    )

    class Meta:
        model = Invitation
        fields = ["community", "state", "role"]

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        if value == "open":
            return queryset.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        if value == "used":
            return queryset.filter(used_at__isnull=False)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False, used_at__isnull=True)
        if value == "expired":
            return queryset.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now)
        return queryset


class InvitationStatusColumn(StatusTagColumn):
    def get_value(self, instance):
        return instance.status

    def get_primary(self, instance):
        return instance.used_at is None and instance.revoked_at is None and instance.expires_at > timezone.now()


class InvitationViewSet(PeopleViewSet):
    model = Invitation
    name = "people_invitations"
    url_prefix = "people/invitations"
    icon = "key"
    menu_label = _("Invitations")
    scope = staticmethod(backoffice.scope_invitations)
    list_select_related = ("unit__building__community", "issued_by")
    filterset_class = InvitationFilterSet
    search_fields = ["code", "note", "unit__number"]
    add_view_class = backoffice.IssueInvitationView
    detail_view_name = "detail"
    list_display = [
        TitleColumn(
            "code", label=pgettext_lazy("invitation", "Code"), accessor=lambda inv: services.format_code(inv.code)
        ),
        Column("unit", label=_("Unit")),
        Column("role", label=_("Joins as"), accessor="get_role_display"),
        InvitationStatusColumn("status", label=_("Status")),
        Column("note", label=pgettext_lazy("invitation", "Note")),
        date_column("expires_at", label=_("Expires"), sort_key="expires_at"),
        Column("issued_by", label=_("Issued by")),
    ]

    def add_view_kwargs(self):
        return {"detail_url_name": self.get_url_name("detail")}

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_item_label=_("Issue an invitation code"), **kwargs)

    def get_action_urlpatterns(self):
        return [
            path(
                "<int:pk>/",
                self.action_view(backoffice.InvitationDetailView, revoke_url_name=self.get_url_name("revoke")),
                name="detail",
            ),
            path("<int:pk>/revoke/", self.action_view(backoffice.RevokeInvitationView), name="revoke"),
        ]


# --- join requests -----------------------------------------------------------------------------


class JoinRequestFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), field_name="unit__building__community", queryset=_scoped_communities
    )

    class Meta:
        model = JoinRequest
        fields = ["status", "community", "role"]


class JoinRequestViewSet(PeopleViewSet):
    model = JoinRequest
    name = "people_join_requests"
    url_prefix = "people/join-requests"
    icon = "user"
    menu_label = _("Join requests")
    scope = staticmethod(backoffice.scope_join_requests)
    list_select_related = ("user", "unit__building__community")
    filterset_class = JoinRequestFilterSet
    search_fields = ["user__full_name", "user__email", "user__phone", "unit__number"]
    detail_view_name = "decide"
    list_display = [
        TitleColumn("user", label=_("Person"), accessor="user"),
        Column("unit", label=_("Unit")),
        Column("role", label=_("Joins as"), accessor="get_role_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        date_column("created_at", label=_("Requested"), sort_key="created_at"),
        Column("message", label=_("Message")),
    ]

    def get_action_urlpatterns(self):
        return [path("<int:pk>/", self.action_view(backoffice.DecideJoinRequestView), name="decide")]


# --- staff -------------------------------------------------------------------------------------


class StaffFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(label=_("Role"), choices=StaffRole.choices)
    current = django_filters.BooleanFilter(label=_("Current roles only"), method="filter_current")

    class Meta:
        model = StaffMembership
        fields = ["role"]

    def filter_current(self, queryset, name, value):
        return queryset.active() if value else queryset


class StaffIndexView(EndableIndexView):
    end_label, end_url_name, end_icon = _("End role"), "people_staff:end", "cross"


class StaffViewSet(PeopleViewSet):
    model = StaffMembership
    name = "people_staff"
    url_prefix = "people/staff"
    icon = "user"
    menu_label = _("Staff")
    index_view_class = StaffIndexView
    scope = staticmethod(backoffice.scope_staff)
    list_select_related = ("user", "office", "company")
    filterset_class = StaffFilterSet
    search_fields = ["user__full_name", "user__email", "user__phone"]
    add_view_class = backoffice.AddStaffRoleView
    list_display = [
        TitleColumn("user", label=_("Person"), accessor="user"),
        Column("role", label=_("Role"), accessor="get_role_display"),
        Column("office", label=_("Office"), accessor=lambda m: m.office or _("Headquarters")),
        date_column("start_date", label=pgettext_lazy("start date", "From"), sort_key="start_date"),
        date_column("end_date", label=_("Until"), sort_key="end_date"),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(add_item_label=_("Add a staff role"), **kwargs)

    def get_action_urlpatterns(self):
        return [path("<int:pk>/end/", self.action_view(backoffice.EndStaffRoleView), name="end")]


class PeopleMenu(ModelViewSetGroup):
    menu_label = _("People")
    menu_name = "people"
    menu_icon = "group"
    menu_order = 160
    items = (ResidentViewSet, InvitationViewSet, JoinRequestViewSet, StaffViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleMenu()



@hooks.register("construct_homepage_panels")
def add_staff_home_panel(request, panels):
    from .dashboard import StaffHomePanel

    if access.is_staff_member(request.user):
        panels.insert(0, StaffHomePanel(request.user))
