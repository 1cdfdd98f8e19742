from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubhouseConfig(AppConfig):
    name = "portal.clubhouse"
    label = "clubhouse"
    verbose_name = _("Clubhouse")

    def ready(self):
        from commerce.payments.hooks import register_bill_paid
        from frontend.shortcuts import Shortcut, register
        from portal.access import register_office_path

        from . import notification_events  # noqa: F401
        from .models import (
            Attendance,
            Booking,
            ClassSession,
            Closure,
            ClubhouseSettings,
            Enrolment,
            Extra,
            Facility,
            Slot,
            Suspension,
            Teacher,
            TrainingClass,
            WaitlistEntry,
        )
        from .services import handle_bill_paid

        for model, path in (
            (Facility, "community__office"),
            (Closure, "facility__community__office"),
            (Slot, "facility__community__office"),
            (Booking, "facility__community__office"),
            (WaitlistEntry, "slot__facility__community__office"),
            (Suspension, "office"),
            (Extra, "office"),
            (ClubhouseSettings, "office"),
            (Teacher, "office"),
            (TrainingClass, "community__office"),
            (ClassSession, "training_class__community__office"),
            (Enrolment, "training_class__community__office"),
            (Attendance, "session__training_class__community__office"),
        ):
            register_office_path(model, path)
        register_bill_paid("clubhouse", handle_bill_paid)
        register(Shortcut(key="clubhouse", label=_("Clubhouse"), url_name="clubhouse:home", order=40, in_nav=True))
