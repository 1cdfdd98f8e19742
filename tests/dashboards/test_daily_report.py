"""The daily control report: who gets which offices, what it says, in whose language, and only once a day."""

import datetime
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.dashboards import daily_report
from portal.dashboards.models import DailyReportDelivery
from portal.people.models import StaffRole
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def sent_to(address):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_managers_get_their_office_and_headquarters_every_office(w):
    counts = daily_report.send_reports(today())
    assert counts == {"sent": 3, "skipped": 0, "failed": 0}
    manager = sent_to("ma@example.com")
    assert "Office a" in manager.body and "Office b" not in manager.body
    assert "Office a" in html_of(manager) and "Office b" not in html_of(manager)
    other = sent_to("mo@example.com")
    assert "Office b" in other.body and "Office a" not in other.body
    hq = sent_to("hq@example.com")
    assert "Office a" in hq.body and "Office b" in hq.body and "All offices" in hq.body
    records = DailyReportDelivery.objects.filter(day=today(), status="sent")
    assert {r.email: r.office_ids for r in records} == {
        "ma@example.com": [w.office.pk],
        "mo@example.com": [w.other.office.pk],
        "hq@example.com": sorted([w.office.pk, w.other.office.pk]),
    }


def test_the_report_holds_the_days_figures(w):
    report = daily_report.build([w.office, w.other.office], today())
    a, b = report.rows
    assert (a.collected, a.payments, a.desk, a.online) == (Decimal("100.00"), 1, Decimal("100.00"), Decimal("0.00"))
    assert (a.arrears, a.arrears_households) == (Decimal("100.00"), 1)
    assert (a.received, a.closed, a.overdue, a.complaints) == (3, 0, 1, 0)
    assert a.breaches == 1
    assert (b.collected, b.arrears) == (Decimal("0.00"), Decimal("100.00"))
    assert (b.received, b.complaints, b.overdue) == (1, 1, 1)
    assert report.totals["arrears"] == Decimal("200.00") and report.totals["received"] == 4

    daily_report.send_reports(today())
    text = sent_to("ma@example.com").body
    assert "Collected: ¥100.00 (1 payment; at the desk ¥100.00, online ¥0.00)" in text
    assert "Arrears: ¥100.00 (1 household)" in text
    assert "Work orders: 3 new, 0 closed, 1 overdue" in text
    assert "Complaints: 0" in text


def test_the_day_before_has_nothing_of_today(w):
    a, _b = daily_report.build([w.office, w.other.office], today() - datetime.timedelta(days=1)).rows
    assert (a.collected, a.received, a.closed) == (Decimal("0.00"), 0, 0)
    assert a.arrears == Decimal("100.00")  # arrears are as of now


def test_by_default_the_report_covers_yesterday(w):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    daily_report.send_reports(now=tomorrow)
    assert DailyReportDelivery.objects.filter(day=today()).count() == 3
    assert today().isoformat() in sent_to("ma@example.com").subject


def test_a_rerun_sends_nothing_twice(w):
    daily_report.send_reports(today())
    assert len(mail.outbox) == 3
    assert daily_report.send_reports(today()) == {"sent": 0, "skipped": 3, "failed": 0}
    assert len(mail.outbox) == 3
    assert DailyReportDelivery.objects.count() == 3


def test_a_failed_send_is_recorded_and_retried_by_the_next_run(w, monkeypatch):
    real_send = daily_report.EmailMultiAlternatives.send

    def refuse(self, fail_silently=False):
        if self.to == ["mo@example.com"]:
            raise smtplib.SMTPServerDisconnected("gone")
        return real_send(self, fail_silently=fail_silently)

    monkeypatch.setattr(daily_report.EmailMultiAlternatives, "send", refuse)
    assert daily_report.send_reports(today()) == {"sent": 2, "skipped": 0, "failed": 1}
    failed = DailyReportDelivery.objects.get(email="mo@example.com")
    assert failed.status == "failed" and "gone" in failed.error
    monkeypatch.setattr(daily_report.EmailMultiAlternatives, "send", real_send)
    assert daily_report.send_reports(today()) == {"sent": 1, "skipped": 2, "failed": 0}
    assert DailyReportDelivery.objects.get(email="mo@example.com").status == "sent"


def test_each_recipient_gets_it_in_their_language(w):
    w.manager.preferred_language = "zh-hans"
    w.manager.save(update_fields=["preferred_language"])
    daily_report.send_reports(today())
    assert '<html lang="zh-hans">' in html_of(sent_to("ma@example.com"))
    assert '<html lang="en">' in html_of(sent_to("mo@example.com"))
    assert DailyReportDelivery.objects.get(email="ma@example.com").language == "zh-hans"


def test_someone_both_manager_and_headquarters_gets_one_email_with_every_office(w):
    StaffMembershipFactory(user=w.manager, office=None, company=w.company, role=StaffRole.HEADQUARTERS)
    daily_report.send_reports(today())
    manager = sent_to("ma@example.com")
    assert "Office a" in manager.body and "Office b" in manager.body


def test_staff_without_email_or_a_reporting_role_get_nothing(w):
    w.other_manager.email, w.other_manager.phone = None, "+8613800000077"  # signed up with a phone number
    w.other_manager.save(update_fields=["email", "phone"])
    daily_report.send_reports(today())
    assert sorted(m.to[0] for m in mail.outbox) == ["hq@example.com", "ma@example.com"]


def test_the_command_sends_a_given_day_and_refuses_bad_dates(w):
    yesterday = today() - datetime.timedelta(days=1)
    call_command("send_daily_report", date=yesterday.isoformat())
    assert DailyReportDelivery.objects.filter(day=yesterday, status="sent").count() == 3
    with pytest.raises(CommandError):
        call_command("send_daily_report", date="2026-13-01")
    with pytest.raises(CommandError):
        call_command("send_daily_report", date=today().isoformat())


def test_the_morning_run_is_scheduled_with_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="portal.dashboards.tasks.send_daily_reports")
    assert (task.crontab.hour, task.crontab.minute) == ("7", "30")


def test_the_task_sends_the_report(w):
    from portal.dashboards.tasks import send_daily_reports

    assert send_daily_reports.delay(today().isoformat()).get() == {"sent": 3, "skipped": 0, "failed": 0}
