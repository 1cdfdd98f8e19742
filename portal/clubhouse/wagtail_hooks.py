"""The "Clubhouse" back-office menu: the desk, facilities and closures, classes, reports, settings.

Front desk and office managers use the desk and attendance screens; office managers (and headquarters)
configure facilities, closures, classes and suspensions and read the payout report. Everything is scoped
to the offices where the user holds those roles.
"""

from __future__ import annotations

from django.contrib import messages
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.access import has_staff_role
from portal.admin_menu import MenuLinkViewSet
from portal.properties.wagtail_hooks import ScopedEditView, ScopedViewSet

from . import admin_views, closures, forms, services
from .models import Closure, ClubhouseSettings, Facility, Suspension, Teacher, TrainingClass


class RolePolicy(ModelPermissionPolicy):
    """Clubhouse screens follow the staff roles, not per-model Django permissions."""

    roles = services.MANAGE_ROLES

    def user_has_permission(self, user, action):
        return getattr(user, "is_active", False) and has_staff_role(user, self.roles)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


for _model in (Facility, Closure, Teacher, TrainingClass, ClubhouseSettings, Suspension):
    register_permission_policy(_model, RolePolicy(_model), exact_class=True)


class ManagedViewSet(ScopedViewSet):
    office_path = "community__office"

    def get_common_view_kwargs(self, **kwargs):
        path_ = self.office_path
        return super().get_common_view_kwargs(**kwargs) | {
            "scope": lambda user, qs: services.scope(user, qs, path_, services.MANAGE_ROLES)
        }


class FacilityViewSet(ManagedViewSet):
    model = Facility
    name = "clubhouse_facility"
    url_prefix = "clubhouse/facilities"
    icon = "home"
    menu_label = _("Facilities")
    list_display = ["name", "community", "kind", "capacity", "exclusive", "price", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ("community",)
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("community"),
            FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
            FieldPanel("location"),
            FieldPanel("description"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("slot_minutes"), FieldPanel("capacity"), FieldPanel("exclusive")]),
                    FieldRowPanel([FieldPanel("price"), FieldPanel("deposit")]),
                ],
                heading=_("Slots and price"),
            ),
            InlinePanel("hours", heading=_("Opening hours"), label=_("Opening period"), min_num=1),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("horizon_days"), FieldPanel("weekly_limit")]),
                    FieldRowPanel([FieldPanel("cancel_hours"), FieldPanel("late_refund_percent")]),
                    FieldPanel("non_residents"),
                    FieldPanel("rules_text"),
                ],
                heading=_("Rules"),
            ),
            FieldPanel("active"),
        ],
        base_form_class=forms.FacilityForm,
    )

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class AppliesClosure:
    """Saving a closure cancels the bookings it covers (refunded in full) and drops their waitlists, with notices."""

    def save_instance(self):
        closure = super().save_instance()
        outcome = closures.apply_closure(closure, self.request.user)
        if outcome.cancelled or outcome.dropped:
            messages.warning(
                self.request,
                _(
                    "%(bookings)s bookings in the closure were cancelled and refunded in full, and "
                    "%(waiting)s waitlist entries dropped; each household was notified."
                )
                % {"bookings": len(outcome.cancelled), "waiting": len(outcome.dropped)},
            )
        return closure


class ClosureCreateView(AppliesClosure, CreateView):
    pass


class ClosureEditView(AppliesClosure, ScopedEditView):
    pass


class ClosureViewSet(ManagedViewSet):
    model = Closure
    add_view_class = ClosureCreateView
    edit_view_class = ClosureEditView
    name = "clubhouse_closure"
    url_prefix = "clubhouse/closures"
    icon = "warning"
    menu_label = _("Closures")
    form_class = forms.ClosureForm
    office_path = "facility__community__office"
    list_display = ["facility", "starts_at", "ends_at", "reason"]
    list_select_related = ("facility",)


class TeacherViewSet(ManagedViewSet):
    model = Teacher
    name = "clubhouse_teacher"
    url_prefix = "clubhouse/teachers"
    icon = "user"
    menu_label = _("Teachers")
    form_class = forms.TeacherForm
    office_path = "office"
    list_display = ["name", "phone", "office"]
    search_fields = ["name"]


class TrainingClassViewSet(ManagedViewSet):
    model = TrainingClass
    name = "clubhouse_class"
    url_prefix = "clubhouse/classes"
    icon = "group"
    menu_label = _("Training classes")
    list_display = [
        "title",
        "community",
        "teacher",
        "capacity",
        "enrolled",
        "fee",
        "teacher_percent",
        "open_for_enrolment",
    ]
    list_select_related = ("community", "teacher")
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            FieldPanel("community"),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldPanel("teacher"),
            FieldRowPanel([FieldPanel("capacity"), FieldPanel("fee"), FieldPanel("teacher_percent")]),
            InlinePanel("sessions", heading=_("Sessions"), label=_("Session")),
            FieldPanel("open_for_enrolment"),
        ],
        base_form_class=forms.TrainingClassForm,
    )

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class SuspensionViewSet(ManagedViewSet):
    model = Suspension
    name = "clubhouse_suspension"
    url_prefix = "clubhouse/suspensions"
    icon = "lock"
    menu_label = _("Suspensions")
    office_path = "office"
    form_fields = ["until", "lifted"]
    list_display = ["unit", "until", "reason", "lifted"]
    list_select_related = ("unit__building",)
    add_view_enabled = False

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class SettingsViewSet(ManagedViewSet):
    model = ClubhouseSettings
    name = "clubhouse_settings"
    url_prefix = "clubhouse/settings"
    icon = "cog"
    menu_label = _("No-show rules")
    form_class = forms.SettingsForm
    office_path = "office"
    list_display = ["office", "no_show_limit", "no_show_window_days", "suspension_days"]


class DeskMenuItem(MenuItem):
    def is_shown(self, request):
        return services.may_use_desk(request.user)


class ManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return services.may_manage(request.user)


class _LinkViewSet(MenuLinkViewSet):
    """A menu entry for one of the screens registered below."""

    menu_item_class = DeskMenuItem


class DeskLink(_LinkViewSet):
    name = "clubhouse_desk_menu"
    icon = "home"
    menu_label = _("Desk: bookings")
    url_name = "clubhouse_desk"


class AttendanceLink(_LinkViewSet):
    name = "clubhouse_attendance_menu"
    icon = "tick"
    menu_label = _("Class attendance")
    url_name = "clubhouse_attendance"


class UtilisationLink(_LinkViewSet):
    name = "clubhouse_utilisation_menu"
    icon = "table"
    menu_label = _("Utilisation report")
    url_name = "clubhouse_utilisation"


class PayoutLink(_LinkViewSet):
    name = "clubhouse_payout_menu"
    icon = "doc-full"
    menu_label = _("Teacher payouts")
    url_name = "clubhouse_payout"
    menu_item_class = ManagerMenuItem


class ClubhouseMenu(ViewSetGroup):
    menu_label = _("Clubhouse")
    menu_name = "clubhouse"
    menu_icon = "home"
    menu_order = 180
    items = (
        DeskLink,
        AttendanceLink,
        FacilityViewSet,
        ClosureViewSet,
        TrainingClassViewSet,
        TeacherViewSet,
        SuspensionViewSet,
        SettingsViewSet,
        UtilisationLink,
        PayoutLink,
    )


@hooks.register("register_admin_viewset")
def register_clubhouse_viewsets():
    return ClubhouseMenu()


@hooks.register("register_admin_urls")
def register_clubhouse_urls():
    return [
        path("clubhouse/desk/", admin_views.DeskView.as_view(), name="clubhouse_desk"),
        path("clubhouse/desk/book/", admin_views.DeskBookView.as_view(), name="clubhouse_desk_book"),
        path("clubhouse/desk/extra/", admin_views.ExtraView.as_view(), name="clubhouse_extra"),
        path("clubhouse/attendance/", admin_views.AttendanceView.as_view(), name="clubhouse_attendance"),
        path("clubhouse/utilisation/", admin_views.UtilisationView.as_view(), name="clubhouse_utilisation"),
        path("clubhouse/payouts/", admin_views.PayoutView.as_view(), name="clubhouse_payout"),
    ]
