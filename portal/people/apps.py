from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "portal.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import checks  # noqa: F401  (registers system checks)
        from .models import Invitation, JoinRequest, ResidentMembership, StaffMembership

        for model in (ResidentMembership, Invitation, JoinRequest):
            register_office_path(model, "unit__building__community__office")
        register_office_path(StaffMembership, "office")
        register(Shortcut(key="profile", label=_("My profile"), url_name="profile", order=95, needs_household=False))
