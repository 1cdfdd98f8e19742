"""Send the daily control report now, for a given day (default: yesterday). Already-sent reports are skipped."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.dashboards.daily_report import send_reports


class Command(BaseCommand):
    help = "Email the daily control report (集中管控日报) of a day to office managers and headquarters."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day the report covers, YYYY-MM-DD (default: yesterday).")

    def handle(self, *args, date=None, **options):
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD (got {date!r}).") from None
            if day >= timezone.localdate():
                raise CommandError("--date must be a day that has ended (yesterday or earlier).")
        else:
            day = timezone.localdate() - datetime.timedelta(days=1)
        counts = send_reports(day)
        self.stdout.write(
            f"Daily report for {day}: {counts['sent']} sent, {counts['skipped']} already sent, "
            f"{counts['failed']} failed."
        )
        if counts["failed"]:
            raise CommandError("Some reports could not be sent; run the command again to retry them.")
