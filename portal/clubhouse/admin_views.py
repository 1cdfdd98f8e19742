"""Back-office screens of the clubhouse: the desk (day's bookings, check-in, no-shows, extras), class attendance,
the utilisation report with its chart, and the teachers' payout report. Office-scoped through ``services.scope``."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from portal.people.models import ResidentMembership
from portal.properties.models import Unit

from . import deposits, desk, payouts, services
from .forms import ExtraForm
from .models import Booking, BookingDeposit, ClassSession, Enrolment, Facility, Teacher


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
    """The day's bookings, or several days' (``start``–``end``), filtered by facility, status or household."""

    template_name = "clubhouse/admin/desk.html"
    page_title = gettext_lazy("Clubhouse desk")

    def _range(self):
        today = timezone.localdate()
        get = self.request.GET
        if get.get("day"):
            day = _day(get.get("day"), today)
            return day, day
        start = _day(get.get("start"), today)
        end = _day(get.get("end"), start)
        return (end, start) if end < start else (start, end)

    def get_context_data(self, **kwargs):
        get = self.request.GET
        start, end = self._range()
        facilities = services.scope(
            self.request.user, Facility.objects.select_related("community"), "community__office"
        ).order_by("community__name", "name")
        facility = facilities.filter(pk=get.get("facility")).first() if get.get("facility", "").isdigit() else None
        status = get.get("status", "") if get.get("status") in Booking.Status.values else ""
        bookings, end = desk.bookings_between(
            self.request.user, start, end, facility=facility, status=status, query=get.get("q", "")
        )
        bookings = list(bookings[:500])
        now, today = timezone.now(), timezone.localdate()
        may_keep = services.may_manage(self.request.user)
        for booking in bookings:
            day = timezone.localtime(booking.slot.starts_at).date()
            booking.can_check_in = booking.status == Booking.Status.CONFIRMED and day == today
            booking.can_no_show = booking.status == Booking.Status.CONFIRMED and booking.slot.starts_at <= now
            booking.can_cancel = booking.is_active
            held = getattr(booking, "deposit", None)
            booking.can_settle_deposit = bool(
                held
                and held.status == BookingDeposit.Status.HELD
                and booking.status in deposits.SETTLE_FROM
                and booking.slot.starts_at <= now
            )
            booking.can_keep_deposit = booking.can_settle_deposit and may_keep
        one_day = start == end
        return super().get_context_data(
            start=start,
            end=end,
            one_day=one_day,
            previous=start - datetime.timedelta(days=1),
            next=end + datetime.timedelta(days=1),
            week_end=start + datetime.timedelta(days=6),
            bookings=bookings,
            facilities=facilities,
            facility=facility,
            statuses=Booking.Status.choices,
            status=status,
            q=get.get("q", ""),
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
            elif action in ("return_deposit", "keep_deposit"):
                held = BookingDeposit.objects.filter(booking=booking).first()
                if held is None:
                    raise Http404
                if action == "return_deposit":
                    held = deposits.return_deposit(held, request.user)
                else:
                    held = deposits.keep_deposit(
                        held, request.user, amount=request.POST.get("amount", ""), reason=request.POST.get("reason", "")
                    )
                office = booking.facility.community.office
                messages.success(
                    request,
                    _("Deposit of %(ref)s: %(returned)s returned, %(kept)s kept.")
                    % {
                        "ref": booking.reference,
                        "returned": format_money(held.returned, office.region.company.currency),
                        "kept": format_money(held.kept, office.region.company.currency),
                    },
                )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        back = request.POST.get("next", "")
        if back.startswith("?"):
            return redirect(f"{request.path}{back}")
        day = timezone.localtime(booking.slot.starts_at).date().isoformat()
        return redirect(f"{request.path}?day={day}")


class DeskBookView(ClubhouseStaffMixin, TemplateView):
    """Book for a household at the desk: find the unit, then the facility, time and people."""

    template_name = "clubhouse/admin/desk_book.html"
    page_title = gettext_lazy("Book for a resident")

    def _unit(self, value):
        if not str(value or "").isdigit():
            return None
        return (
            services.scope(
                self.request.user,
                Unit.objects.select_related("building__community__office"),
                "building__community__office",
            )
            .filter(pk=value)
            .first()
        )

    def get_context_data(self, **kwargs):
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        unit = self._unit(data.get("unit"))
        q = self.request.GET.get("q", "")
        facilities = []
        if unit:
            facilities = list(
                services.scope(
                    self.request.user,
                    Facility.objects.filter(community__office_id=unit.building.community.office_id, active=True),
                    "community__office",
                )
                .select_related("community")
                .prefetch_related("hours")
                .order_by("community__name", "name")
            )
        return super().get_context_data(
            q=q,
            units=desk.search_units(self.request.user, q) if q and not unit else [],
            unit=unit,
            residents=ResidentMembership.objects.active().filter(unit=unit).select_related("user") if unit else [],
            facilities=facilities,
            form_data=data,
            date_value=data.get("date") or timezone.localdate().isoformat(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        unit = self._unit(request.POST.get("unit"))
        if unit is None:
            raise Http404
        facility = (
            services.scope(request.user, Facility.objects.all(), "community__office")
            .filter(pk=request.POST.get("facility") if str(request.POST.get("facility", "")).isdigit() else None)
            .first()
        )
        context = {}
        try:
            if facility is None:
                raise ValidationError(_("Choose the facility."), code="facility")
            try:
                starts_at = timezone.make_aware(
                    datetime.datetime.combine(
                        datetime.date.fromisoformat(request.POST.get("date", "")),
                        datetime.time.fromisoformat(request.POST.get("time", "")),
                    )
                )
            except ValueError:
                raise ValidationError(_("Enter the day and the start time of the slot."), code="when") from None
            booking = services.book_for_household(
                request.user,
                unit,
                facility,
                starts_at,
                request.POST.get("people", ""),
                override_reason=request.POST.get("override_reason", ""),
            )
        except services.BookingRefused as exc:
            context["refusal"] = " ".join(exc.messages)
            context["overridable"] = exc.code in services.OVERRIDABLE
        except (ValidationError, PermissionDenied) as exc:
            context["refusal"] = " ".join(getattr(exc, "messages", None) or [str(exc)])
        else:
            messages.success(
                request,
                _("Booked %(ref)s for %(unit)s: %(facility)s, %(when)s.")
                % {
                    "ref": booking.reference,
                    "unit": unit,
                    "facility": facility,
                    "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect(f"{reverse('clubhouse_desk')}?day={timezone.localtime(starts_at).date().isoformat()}")
        return self.render_to_response(self.get_context_data(**context))


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
    """The payout report per teacher and period; posting a teacher's share and marking a payout as paid."""

    template_name = "clubhouse/admin/payout.html"
    page_title = gettext_lazy("Teacher payouts")
    header_icon = "doc-full"
    manager_only = True

    def get_context_data(self, **kwargs):
        start, end = _period(self.request)
        end = min(end, timezone.localdate())
        if end < start:
            start = end
        lines, totals = services.payout_report(self.request.user, start, end)
        teachers = []
        for teacher, share in sorted(totals["by_teacher"].items(), key=lambda kv: kv[0].name):
            _gross, open_share = payouts.share_of(payouts.open_enrolments(teacher, start, end))
            teachers.append({"teacher": teacher, "share": share, "open": open_share})
        return super().get_context_data(
            start=start,
            end=end,
            lines=lines,
            totals=totals,
            by_teacher=teachers,
            payouts=payouts.payouts_in(self.request.user, start, end),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        back = f"{request.path}?start={request.POST.get('start', '')}&end={request.POST.get('end', '')}"
        try:
            if action == "post":
                teacher = services.scope(request.user, Teacher.objects.all(), "office", services.MANAGE_ROLES).filter(
                    pk=request.POST.get("teacher") if str(request.POST.get("teacher", "")).isdigit() else None
                )
                teacher = teacher.first()
                if teacher is None:
                    raise Http404
                start = _day(request.POST.get("start"), None)
                end = _day(request.POST.get("end"), None)
                if start is None or end is None:
                    raise ValidationError(_("Choose the period."), code="period")
                payout = payouts.post_payout(request.user, teacher, start, end)
                messages.success(
                    request,
                    _("Payout %(ref)s posted: %(amount)s due to %(teacher)s.")
                    % {"ref": payout.reference, "amount": format_money(payout.amount), "teacher": teacher},
                )
            elif action == "paid":
                payout = (
                    payouts.payouts_in(request.user, datetime.date.min, datetime.date.max)
                    .filter(pk=request.POST.get("payout") if str(request.POST.get("payout", "")).isdigit() else None)
                    .first()
                )
                if payout is None:
                    raise Http404
                payout = payouts.mark_paid(request.user, payout, request.POST.get("reference", ""))
                messages.success(
                    request,
                    _("Payout %(ref)s marked as paid: %(amount)s to %(teacher)s.")
                    % {"ref": payout.reference, "amount": format_money(payout.amount), "teacher": payout.teacher},
                )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect(back)
