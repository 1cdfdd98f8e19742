"""Closing, counting, publishing, the bulletin recount, the verifier and the tally command."""

import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.voting import services, tally
from portal.voting.models import Ballot, Meeting

from .conftest import cast, finish, party_of

pytestmark = pytest.mark.django_db


def everyone_votes(meeting, estate, hire="for", fund="for"):
    hire_m, fund_m = meeting.motions.order_by("order")
    for user in (estate.li, estate.wang, estate.chen):
        cast(user, meeting, party_of(meeting, user), {hire_m.pk: hire, fund_m.pk: fund})


def test_the_count_refuses_to_run_on_an_open_meeting(meeting, manager, estate):
    with pytest.raises(ValidationError, match="closed meeting"):
        services.count(manager, meeting)
    with pytest.raises(ValidationError, match="still open"):
        services.close(meeting, by=manager)
    motion = meeting.motions.first()
    with pytest.raises(CommandError, match="closed meeting"):
        call_command("tally_motion", str(motion.pk), "--json")


def test_the_count_follows_the_counting_rules(meeting, manager, estate):
    # Roll: developer 200 m², Li 270 m² (3 units), Wang+Zhao 120 m², Chen 110 m²: 700 m², 4 owners.
    hire_m, fund_m = meeting.motions.order_by("order")
    cast(estate.li, meeting, party_of(meeting, estate.li), {hire_m.pk: "for", fund_m.pk: "for"})
    cast(estate.wang, meeting, party_of(meeting, estate.wang), {hire_m.pk: "for", fund_m.pk: "against"})
    cast(estate.chen, meeting, party_of(meeting, estate.chen), {hire_m.pk: "against", fund_m.pk: "for"})
    finish(manager, meeting)
    hire, fund = hire_m.result.data, fund_m.result.data
    assert hire["total"] == {"area": "700.00", "headcount": 4}
    assert hire["participating"] == {"area": "500.00", "headcount": 3}
    assert hire["participation_area"]["fraction"] == "5/7" and hire["quorum_met"]
    # Ordinary: 390/500 of area, 2/3 of heads: passes.
    assert hire["for"] == {"area": "390.00", "headcount": 2} and hire["passed"]
    # Major (fund): 380/500 = 76% of area but 2/3 of heads < 3/4: fails.
    assert fund["approval_area"]["fraction"] == "19/25" and fund["approval_headcount"]["fraction"] == "2/3"
    assert fund["area_approved"] and not fund["headcount_approved"] and not fund["passed"]
    assert services.verify(meeting) == []


def test_tally_motion_prints_the_same_result_as_json(meeting, manager, estate):
    everyone_votes(meeting, estate)
    finish(manager, meeting)
    motion = meeting.motions.first()
    out = StringIO()
    call_command("tally_motion", str(motion.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {k: v for k, v in data.items() if k not in ("motion", "title")} == motion.result.data
    assert data["passed"] is True and data["total"]["headcount"] == 4


def test_tampering_with_a_stored_ballot_makes_the_verifier_fail(meeting, manager, estate):
    everyone_votes(meeting, estate, hire="against")
    finish(manager, meeting)
    call_command("verify_voting", str(meeting.pk), stdout=StringIO())
    ballot = Ballot.objects.filter(choice="against").first()
    Ballot.objects.filter(pk=ballot.pk).update(choice="for")  # what a database intruder would do
    problems = services.verify(meeting)
    assert any("signature does not match" in p for p in problems)
    assert any("differs from a recount" in p for p in problems)
    with pytest.raises(CommandError, match="failed verification"):
        call_command("verify_voting", str(meeting.pk), stdout=StringIO(), stderr=StringIO())


def test_deleting_a_ballot_or_editing_the_log_is_detected(meeting, manager, estate):
    from portal.voting.models import AuditEntry

    everyone_votes(meeting, estate)
    Ballot.objects.filter(party=party_of(meeting, estate.chen)).delete()
    assert any("missing" in p for p in services.verify(meeting))
    entry = AuditEntry.objects.filter(meeting=meeting, kind="ballot").first()
    from django.db import connection

    with connection.cursor() as cursor:
        # An intruder with database rights first switches the append-only trigger off.
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off (superuser)
        else:
            cursor.execute("DROP TRIGGER voting_audit_no_update")
        cursor.execute("UPDATE voting_auditentry SET payload = %s WHERE id = %s", ['{"forged": true}', entry.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    assert any("does not match its hash" in p for p in services.verify(meeting))


def test_results_are_published_to_owners_with_the_bulletin_and_who_voted(
    client, meeting, manager, estate, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    everyone_votes(meeting, estate)
    finish(manager, meeting)
    client.force_login(estate.chen)
    assert client.get(reverse("voting:results", args=[meeting.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(manager, meeting)
    assert Notification.objects.filter(event="voting.result", recipient=estate.chen).exists()
    page = client.get(reverse("voting:results", args=[meeting.pk])).content.decode()
    for ballot in Ballot.objects.all():
        assert ballot.receipt.upper() in page
    assert "Passed" in page and "Chen" not in page  # the roll shows units, not names or choices
    # after publication the receipt check shows what was counted
    ballot = Ballot.objects.filter(party=party_of(meeting, estate.chen)).first()
    client.logout()
    check = client.get(reverse("voting:verify"), {"code": ballot.receipt}).content.decode()
    assert "Counted as" in check


def test_reminders_go_only_to_owners_who_have_not_voted_on_everything(meeting, estate):
    from notifications.models import Notification

    cast(estate.li, meeting, party_of(meeting, estate.li), {m.pk: "for" for m in meeting.motions.all()})
    cast(estate.wang, meeting, party_of(meeting, estate.wang), {meeting.motions.first().pk: "for"})
    assert services.remind_non_voters(meeting) == 3
    told = set(Notification.objects.filter(event="voting.reminder").values_list("recipient__full_name", flat=True))
    assert told == {"Wang", "Zhao", "Chen"}


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(choices=st.lists(st.sampled_from([None, "for", "against", "abstain"]), min_size=3, max_size=3))
def test_the_tally_recounted_from_the_published_receipts_equals_the_official_tally(meeting, estate, choices):
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        motion = meeting.motions.order_by("order").last()
        for user, choice in zip((estate.li, estate.wang, estate.chen), choices, strict=True):
            if choice:
                cast(user, meeting, party_of(meeting, user), {motion.pk: choice})
        official = services.motion_tally(motion)
        recount = services.recount_from_bulletin(motion)
        assert recount.as_dict() == official.as_dict()
        assert recount.votes[tally.FOR].heads == choices.count("for")
        transaction.savepoint_rollback(sid)


def test_the_audit_log_refuses_edits(meeting):
    from django.db import DatabaseError, connection, transaction

    from portal.append_only import AppendOnlyError
    from portal.voting.models import AuditEntry

    entry = AuditEntry.objects.filter(meeting=meeting).first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE voting_auditentry SET kind = 'x' WHERE id = %s", [entry.pk])


def test_closing_needs_the_window_to_be_over_and_is_logged(meeting, manager):
    services.close(meeting, by=manager, now=meeting.closes_at + datetime.timedelta(seconds=1))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED
    assert meeting.audit.filter(kind="closed").exists()


def test_the_upkeep_task_closes_meetings_whose_window_has_ended(meeting, manager):
    from django.utils import timezone

    from portal.voting.tasks import voting_upkeep

    Meeting.objects.filter(pk=meeting.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=8), closes_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert voting_upkeep()["closing"] == 1
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED


def test_publishing_posts_the_verdicts_as_a_notice_to_the_community(meeting, manager, estate):
    from frontend.models import NoticePage
    from frontend.site_setup import ensure_site

    ensure_site()
    everyone_votes(meeting, estate)
    finish(manager, meeting)
    services.publish(manager, meeting)
    notice = NoticePage.objects.get(community=meeting.community)
    assert meeting.title in notice.title and notice.live
    assert "Hire a new property company: <b>passed</b>" in notice.body
