"""The daily control report (集中管控日报): yesterday's figures per office, emailed every morning.

Office managers get their offices, headquarters every office of their company (someone with both gets
the union). Each email is HTML with a plain-text twin, in the recipient's preferred language. A row per
day and recipient (``DailyReportDelivery``, unique) is claimed under a row lock before sending, so a
rerun, a second worker or the management command never sends the same day twice; a failed send is
recorded and tried again by the next run.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.people.models import StaffMembership, StaffRole
from portal.properties.models import Office

from . import figures
from .models import DailyReportDelivery

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")
REPORT_ROLES = (StaffRole.OFFICE_MANAGER, StaffRole.HEADQUARTERS)


@dataclass
class OfficeDay:
    office: Office
    collected: Decimal = ZERO
    payments: int = 0
    desk: Decimal = ZERO
    online: Decimal = ZERO
    arrears: Decimal = ZERO
    arrears_households: int = 0
    received: int = 0
    closed: int = 0
    overdue: int = 0
    breaches: int = 0
    complaints: int = 0
    bookings: int = 0
    service_orders: int = 0
    market_orders: int = 0
    market_total: Decimal = ZERO


SUMMED = [
    "collected",
    "payments",
    "desk",
    "online",
    "arrears",
    "arrears_households",
    "received",
    "closed",
    "overdue",
    "breaches",
    "complaints",
    "bookings",
    "service_orders",
    "market_orders",
    "market_total",
]


@dataclass
class Report:
    day: datetime.date
    rows: list[OfficeDay]
    totals: dict = field(default_factory=dict)


def build(offices: list[Office], day: datetime.date, now: datetime.datetime | None = None) -> Report:
    """The day's figures of each office (a fixed number of queries whatever the number of offices)."""
    now = now or timezone.now()
    ids = [office.pk for office in offices]
    cash = figures.cash_by_office(ids, day)
    arrears = figures.arrears_by_office(ids)
    orders = figures.work_orders_of_day(ids, day, now)
    activity = figures.activity_by_office(ids, day)
    rows = []
    for office in offices:
        row = OfficeDay(office=office)
        if c := cash.get(office.pk):
            row.collected, row.payments, row.desk, row.online = c.total, c.count, c.desk, c.online
        if a := arrears.get(office.pk):
            row.arrears, row.arrears_households = a["owed"], a["households"]
        if o := orders.get(office.pk):
            row.received, row.closed, row.overdue = o["received"], o["closed"], o["overdue"]
            row.breaches, row.complaints = o["breaches"], o["complaints"]
        if act := activity.get(office.pk):
            row.bookings, row.service_orders = act["bookings"], act["service_orders"]
            row.market_orders, row.market_total = act["market_orders"], act["market_total"]
        rows.append(row)
    return Report(day, rows, summed(rows))


def summed(rows: list[OfficeDay]) -> dict:
    return {name: sum((getattr(row, name) for row in rows), ZERO if name in MONEY else 0) for name in SUMMED}


MONEY = {"collected", "desk", "online", "arrears", "market_total"}


# --- recipients --------------------------------------------------------------------------------------


@dataclass
class Recipient:
    user: object
    office_ids: set[int] = field(default_factory=set)


def recipients() -> list[Recipient]:
    """Today's office managers (their offices) and headquarters (their company's offices) with an email."""
    memberships = (
        StaffMembership.objects.active()
        .filter(role__in=REPORT_ROLES, user__is_active=True)
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    offices_by_company: dict[int, set[int]] = {}
    for office_id, company_id in Office.objects.values_list("pk", "region__company_id"):
        offices_by_company.setdefault(company_id, set()).add(office_id)
    result: dict[int, Recipient] = {}
    for membership in memberships:
        recipient = result.setdefault(membership.user_id, Recipient(membership.user))
        if membership.role == StaffRole.HEADQUARTERS:
            recipient.office_ids |= offices_by_company.get(membership.company_id, set())
        elif membership.office_id:
            recipient.office_ids.add(membership.office_id)
    return [r for r in result.values() if r.office_ids]


# --- rendering and sending ---------------------------------------------------------------------------


def language_of(user) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in languages else settings.LANGUAGE_CODE


def render(report: Report, user, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of the report for one recipient, in ``language``."""
    with translation.override(language):
        context = {
            "report": report,
            "user": user,
            "several": len(report.rows) > 1,
            "home_url": settings_home_url(),
        }
        subject = _("Daily control report, %(day)s") % {"day": report.day.isoformat()}
        text = render_to_string("dashboards/email/daily_report.txt", context)
        html = render_to_string("dashboards/email/daily_report.html", context)
    return subject, text, html


def settings_home_url() -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return f"{base.rstrip('/')}/backoffice/" if base else ""


def _claim(day: datetime.date, recipient: Recipient, language: str) -> DailyReportDelivery | None:
    """Lock this day's row for the recipient (creating it); None when the report already went."""
    try:
        with transaction.atomic():
            DailyReportDelivery.objects.create(
                day=day,
                recipient=recipient.user,
                email=recipient.user.email,
                language=language,
                office_ids=sorted(recipient.office_ids),
            )
    except IntegrityError:
        pass  # made by an earlier run (sent, failed or being sent): decided under the lock below
    record = DailyReportDelivery.objects.select_for_update().get(day=day, recipient=recipient.user)
    return None if record.status == DailyReportDelivery.Status.SENT else record


def send_reports(day: datetime.date | None = None, now: datetime.datetime | None = None) -> dict:
    """Send the report of ``day`` (default: yesterday) to everyone who has not had it yet.

    Returns counts: {"sent", "skipped" (already sent), "failed"}.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now) - datetime.timedelta(days=1)
    people = recipients()
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if not people:
        return counts
    wanted = set().union(*(r.office_ids for r in people))
    offices = list(Office.objects.filter(pk__in=wanted).select_related("region").order_by("name"))
    full = build(offices, day, now)
    by_office = {row.office.pk: row for row in full.rows}
    for recipient in people:
        rows = [by_office[pk] for pk in sorted(recipient.office_ids, key=lambda pk: by_office[pk].office.name)]
        report = Report(day, rows, summed(rows))
        language = language_of(recipient.user)
        with transaction.atomic():
            record = _claim(day, recipient, language)
            if record is None:
                counts["skipped"] += 1
                continue
            subject, text, html = render(report, recipient.user, language)
            message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.user.email])
            message.attach_alternative(html, "text/html")
            try:
                message.send(fail_silently=False)
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("Daily report for %s on %s not sent: %s", recipient.user.email, day, exc)
                record.status, record.error = DailyReportDelivery.Status.FAILED, str(exc)[:300]
                record.save(update_fields=["status", "error"])
                counts["failed"] += 1
                continue
            record.status, record.error, record.sent_at = DailyReportDelivery.Status.SENT, "", timezone.now()
            record.email, record.language, record.office_ids = (
                recipient.user.email,
                language,
                [r.office.pk for r in rows],
            )
            record.save(update_fields=["status", "error", "sent_at", "email", "language", "office_ids"])
            counts["sent"] += 1
    return counts
