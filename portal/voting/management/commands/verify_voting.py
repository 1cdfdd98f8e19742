"""``manage.py verify_voting [meeting-id ...]``: check the audit chain, ballot signatures and results."""

from django.core.management.base import BaseCommand, CommandError

from portal.voting import verification
from portal.voting.models import Meeting


class Command(BaseCommand):
    help = "Verify owners' meetings: hash chain, signed ballots, receipts and the stored count. Fails on tampering."

    def add_arguments(self, parser):
        parser.add_argument("meeting_ids", nargs="*", type=int)

    def handle(self, *args, meeting_ids, **options):
        meetings = Meeting.objects.exclude(status=Meeting.Status.DRAFT)
        if meeting_ids:
            meetings = meetings.filter(pk__in=meeting_ids)
        failed = 0
        for meeting in meetings.order_by("pk"):
            problems = verification.verify(meeting, force=True).problems
            if problems:
                failed += 1
                self.stderr.write(f"meeting {meeting.pk} “{meeting.title}”: TAMPERED")
                for problem in problems:
                    self.stderr.write(f"  - {problem}")
            else:
                self.stdout.write(f"meeting {meeting.pk} “{meeting.title}”: intact")
        if failed:
            raise CommandError(f"{failed} meeting(s) failed verification.")
