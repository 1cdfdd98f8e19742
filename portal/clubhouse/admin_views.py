"""Back-office screens of the clubhouse: the desk (day's bookings, check-in, no-shows, extras), class attendance,
the utilisation report with its chart, and the teachers' payout report. Office-scoped through ``services.scope``."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money

from . import services
from .forms import ExtraForm
from .models import Booking, ClassSession, Enrolment


def _day(value, default):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return default


class ClubhouseStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "home"
    manager_only = False

    def dispatch(self, request, *args, **kwargs):
        allowed = services.may_manage(request.user) if self.manager_only else services.may_use_desk(request.user)
        if not allowed:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class DeskView(ClubhouseStaffMixin, TemplateView):
    template_name = "clubhouse/admin/desk.html"
    page_title = gettext_lazy("Clubhouse desk")

    def get_context_data(self, **kwargs):
        day = _day(self.request.GET.get("day"), timezone.localdate())
        bookings = list(services.day_bookings(self.request.user, day))
        now = timezone.now()
        for booking in bookings:
            booking.can_check_in = booking.status == Booking.Status.CONFIRMED and day == timezone.localdate()
            booking.can_no_show = booking.status == Booking.Status.CONFIRMED and booking.slot.starts_at <= now
            booking.can_cancel = booking.is_active
        return super().get_context_data(
            day=day,
            previous=day - datetime.timedelta(days=1),
            next=day + datetime.timedelta(days=1),
            bookings=bookings,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            booking = services.scope(
                request.user,
                Booking.objects.select_related("slot", "facility__community__office"),
                "facility__community__office",
            ).get(pk=request.POST.get("booking"))
        except (Booking.DoesNotExist, ValueError):
            raise Http404 from None
        action = request.POST.get("action")
        try:
            if action == "check_in":
                services.check_in(booking, request.user)
                messages.success(request, _("%(ref)s checked in.") % {"ref": booking.reference})
            elif action == "no_show":
                services.mark_no_show(booking, request.user)
                messages.warning(request, _("%(ref)s marked as a no-show.") % {"ref": booking.reference})
            elif action == "cancel":
                services.cancel_booking(booking, request.user, reason=_("Cancelled by the clubhouse"), as_staff=True)
                messages.success(request, _("%(ref)s cancelled and refunded in full.") % {"ref": booking.reference})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        day = timezone.localtime(booking.slot.starts_at).date().isoformat()
        return redirect(f"{request.path}?day={day}")


class ExtraView(ClubhouseStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = ExtraForm
    page_title = gettext_lazy("Charge extra consumption")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {"request_key": uuid.uuid4().hex}
        booking = self._booking()
        if booking:
            initial["unit"] = booking.unit_id
        return initial

    def _booking(self):
        pk = self.request.GET.get("booking") or self.request.POST.get("booking")
        if not pk:
            return None
        qs = services.scope(self.request.user, Booking.objects.all(), "facility__community__office")
        return qs.filter(pk=pk).first() if str(pk).isdigit() else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Charge to the household"),
            action_url=self.request.get_full_path(),
            intro=_(
                "The amount is posted to the household account as a one-off bill; the household pays it with its bills."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            extra = services.charge_extra(
                self.request.user,
                data["unit"],
                data["description"],
                data["amount"],
                request_key=data["request_key"],
                booking=self._booking(),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Charged %(amount)s for “%(what)s” to %(unit)s.")
            % {"amount": format_money(extra.amount), "what": extra.description, "unit": extra.unit},
        )
        return redirect("clubhouse_desk")


class AttendanceView(ClubhouseStaffMixin, TemplateView):
    template_name = "clubhouse/admin/attendance.html"
    page_title = gettext_lazy("Class attendance")

    def _sessions(self):
        return services.scope(
            self.request.user,
            ClassSession.objects.select_related("training_class"),
            "training_class__community__office",
        ).order_by("-starts_at")

    def get_context_data(self, **kwargs):
        sessions = self._sessions()
        session = (
            sessions.filter(pk=self.request.GET.get("session")).first()
            if str(self.request.GET.get("session", "")).isdigit()
            else None
        )
        enrolments, present = [], set()
        if session:
            enrolments = session.training_class.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related(
                "unit"
            )
            present = set(session.attendance.filter(present=True).values_list("enrolment_id", flat=True))
        return super().get_context_data(
            sessions=sessions[:100], session=session, enrolments=enrolments, present=present, **kwargs
        )

    def post(self, request, *args, **kwargs):
        session = (
            self._sessions().filter(pk=request.POST.get("session")).first()
            if str(request.POST.get("session", "")).isdigit()
            else None
        )
        if session is None:
            raise Http404
        try:
            count = services.mark_attendance(session, request.POST.getlist("present"), request.user)
            messages.success(request, _("Attendance saved: %(count)s present.") % {"count": count})
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect(f"{request.path}?session={session.pk}")


def _period(request):
    today = timezone.localdate()
    start = _day(request.GET.get("start"), today - datetime.timedelta(days=28))
    end = _day(request.GET.get("end"), today + datetime.timedelta(days=14))
    if end < start:
        start, end = end, start
    return start, min(end, start + datetime.timedelta(days=366))


class UtilisationView(ClubhouseStaffMixin, TemplateView):
    template_name = "clubhouse/admin/utilisation.html"
    page_title = gettext_lazy("Clubhouse utilisation")
    header_icon = "table"

    def get_context_data(self, **kwargs):
        start, end = _period(self.request)
        rows = services.utilisation(self.request.user, start, end)
        hours = sorted({h for row in rows for h in row.hours})
        table = []
        for row in rows:
            cells = []
            for hour in hours:
                offered, taken = row.hours.get(hour, (0, 0))
                percent = round(100 * taken / offered) if offered else None
                cells.append(
                    {
                        "hour": hour,
                        "offered": offered,
                        "taken": taken,
                        "percent": percent,
                        "alpha": f"{(percent or 0) / 100:.2f}",
                    }
                )
            table.append(
                {
                    "facility": row.facility,
                    "cells": cells,
                    "percent": row.percent,
                    "taken": row.taken,
                    "offered": row.offered,
                }
            )
        # The chart: overall occupancy per hour of day, as bars (inline SVG).
        bars, width, height = [], 36, 160
        for index, hour in enumerate(hours):
            offered = sum(row.hours.get(hour, (0, 0))[0] for row in rows)
            taken = sum(row.hours.get(hour, (0, 0))[1] for row in rows)
            percent = round(100 * taken / offered) if offered else 0
            bar = round(height * percent / 100)
            bars.append({"x": 40 + index * width, "y": 10 + height - bar, "h": bar, "hour": hour, "percent": percent})
        return super().get_context_data(
            start=start,
            end=end,
            hours=hours,
            table=table,
            bars=bars,
            chart_width=40 + len(hours) * width + 10,
            chart_height=height,
            axis_y=10 + height,
            **kwargs,
        )


class PayoutView(ClubhouseStaffMixin, TemplateView):
    template_name = "clubhouse/admin/payout.html"
    page_title = gettext_lazy("Teacher payouts")
    header_icon = "doc-full"
    manager_only = True

    def get_context_data(self, **kwargs):
        start, end = _period(self.request)
        lines, totals = services.payout_report(self.request.user, start, end)
        return super().get_context_data(
            start=start,
            end=end,
            lines=lines,
            totals=totals,
            by_teacher=sorted(totals["by_teacher"].items(), key=lambda kv: kv[0].name),
            **kwargs,
        )
