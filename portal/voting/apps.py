from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "portal.voting"
    label = "voting"
    verbose_name = _("Owners' meetings")

    def ready(self):
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import notification_events  # noqa: F401
        from .models import Ballot, Meeting, Motion, PaperEntry, Proxy, RollParty, UnitArea

        register_office_path(Meeting, "community__office")
        register_office_path(Motion, "meeting__community__office")
        register_office_path(RollParty, "meeting__community__office")
        register_office_path(Ballot, "motion__meeting__community__office")
        register_office_path(PaperEntry, "motion__meeting__community__office")
        register_office_path(Proxy, "party__meeting__community__office")
        register_office_path(UnitArea, "unit__building__community__office")
        register(Shortcut(key="voting", label=_("Votes"), url_name="voting:index", order=60, in_nav=True))
