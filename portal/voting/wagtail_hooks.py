"""The "Owners' meetings" back-office menu: meetings (a control room per meeting), surveys, unit areas."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from portal.properties.wagtail_hooks import ScopedViewSet

from . import admin_views, forms
from .access import VotingRolePolicy, may_create_meetings, may_use_voting, scope_meetings
from .models import UnitArea

register_permission_policy(UnitArea, VotingRolePolicy(UnitArea), exact_class=True)


class VotingMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_voting(request.user)


class ManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return may_create_meetings(request.user)


class VotingSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return may_use_voting(request.user)


@hooks.register("register_admin_menu_item")
def register_voting_menu_item():
    menu = Menu(
        items=[
            VotingMenuItem(_("Meetings"), reverse("voting_admin:index"), icon_name="tasks", order=1),
            VotingMenuItem(_("Surveys and polls"), reverse("voting_surveys:index"), icon_name="list-ul", order=2),
            ManagerMenuItem(_("Unit areas for voting"), reverse("voting_unitarea:index"), icon_name="table", order=3),
        ]
    )
    return VotingSubmenu(_("Owners' meetings"), menu, icon_name="tasks", name="voting", order=175)


@hooks.register("register_admin_urls")
def register_voting_urls():
    meetings = [
        path("", admin_views.MeetingIndexView.as_view(), name="index"),
        path("new/", admin_views.MeetingCreateView.as_view(), name="new"),
        path("<int:pk>/", admin_views.MeetingView.as_view(), name="meeting"),
        path("<int:pk>/results.csv", admin_views.export_results, name="export"),
        path("<int:pk>/results.pdf", admin_views.export_results_pdf, name="export_pdf"),
    ]
    survey_urls = [
        path("", admin_views.SurveyIndexView.as_view(), name="index"),
        path("new/", admin_views.SurveyCreateView.as_view(), name="new"),
        path("<int:pk>/", admin_views.SurveyDetailView.as_view(), name="detail"),
    ]
    return [
        path("voting/meetings/", include((meetings, "voting_admin"))),
        path("voting/surveys/", include((survey_urls, "voting_surveys"))),
    ]


class UnitAreaViewSet(ScopedViewSet):
    model = UnitArea
    name = "voting_unitarea"
    url_prefix = "voting/unit-areas"
    icon = "table"
    menu_label = _("Unit areas for voting")
    add_to_admin_menu = False
    form_class = forms.UnitAreaForm
    list_display = ["unit", "registered_area", "surveyed_area", "contract_area"]
    list_select_related = ("unit__building__community",)
    search_fields = ["unit__number"]

    @staticmethod
    def scope(user, queryset):
        return scope_meetings(user, queryset, "unit__building__community__office")


@hooks.register("register_admin_viewset")
def register_unit_area_viewset():
    return UnitAreaViewSet()
