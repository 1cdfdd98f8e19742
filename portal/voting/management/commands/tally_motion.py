"""``manage.py tally_motion <motion-id> [--json]``: the count of one motion of a closed meeting."""

import json

from django.core.management.base import BaseCommand, CommandError

from portal.voting import services
from portal.voting.models import Meeting, Motion


class Command(BaseCommand):
    help = "Count one motion (Civil Code art. 278) from the frozen roll and the stored ballots."

    def add_arguments(self, parser):
        parser.add_argument("motion_id", type=int)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, motion_id, **options):
        try:
            motion = Motion.objects.select_related("meeting").get(pk=motion_id)
        except Motion.DoesNotExist:
            raise CommandError(f"No motion {motion_id}.") from None
        if motion.meeting.status in (Meeting.Status.DRAFT, Meeting.Status.ANNOUNCED, Meeting.Status.CANCELLED):
            raise CommandError("The count runs only on a closed meeting; close the voting first.")
        data = {"motion": motion.pk, "title": motion.title, **services.motion_tally(motion).as_dict()}
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if data["rule"] == "election":
            self.stdout.write(f"{motion.title}: quorum met {data['quorum_met']}")
            for c in data["candidates"]:
                mark = "ELECTED" if c["elected"] else "RUN-OFF" if c["runoff"] else ""
                self.stdout.write(f"  {c['name']:20} {c['area']:>12} m²  {c['headcount']:>6} owners  {mark}")
            return
        self.stdout.write(f"{motion.title}: {'PASSED' if data['passed'] else 'NOT PASSED'}")
        for key in ("total", "participating", "for", "against", "abstain"):
            self.stdout.write(f"  {key:14} {data[key]['area']:>12} m²  {data[key]['headcount']:>6} owners")
        self.stdout.write(f"  quorum met     {data['quorum_met']}")
