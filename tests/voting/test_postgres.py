"""What only a real PostgreSQL can prove: one ballot per party under a race, and raw edits of the log refused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction

from portal.voting import services
from portal.voting.models import AuditEntry, Ballot

from .conftest import announce, make_meeting, party_of

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery staple"


def race(voters, meeting, party, motion, choice_of):
    barrier = threading.Barrier(len(voters))
    tokens = [services.confirmation_token(user, meeting) for user in voters]
    done, refused, errors = [], [], []

    def worker(i):
        try:
            barrier.wait()
            services.cast_ballots(
                voters[i], meeting, party, {motion.pk: choice_of(i)}, password=PASSWORD, token=tokens[i]
            )
            done.append(i)
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(voters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, errors


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_ballots_of_one_party_give_exactly_one_ballot(manager, site, estate):
    meeting = announce(manager, make_meeting(manager, site.community, allow_change=False))
    party = party_of(meeting, estate.wang)
    motion = meeting.motions.first()
    voters = [estate.wang if i % 2 else estate.zhao for i in range(50)]
    done, refused, errors = race(voters, meeting, party, motion, lambda i: "for" if i % 3 else "against")
    assert errors == []
    assert len(done) == 1 and len(refused) == 49
    assert all("does not allow changes" in " ".join(e.messages) for e in refused)
    assert Ballot.objects.filter(motion=motion, party=party).count() == 1
    assert AuditEntry.objects.filter(meeting=meeting, kind="ballot").count() == 1
    assert services.verify(meeting) == []


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_changes_leave_one_ballot_and_an_intact_chain(manager, site, estate):
    meeting = announce(manager, make_meeting(manager, site.community, allow_change=True))
    party = party_of(meeting, estate.wang)
    motion = meeting.motions.first()
    voters = [estate.wang if i % 2 else estate.zhao for i in range(50)]
    done, refused, errors = race(voters, meeting, party, motion, lambda i: ("for", "against", "abstain")[i % 3])
    assert errors == [] and refused == [] and len(done) == 50
    ballot = Ballot.objects.get(motion=motion, party=party)
    assert ballot.version == 50
    assert services.verify(meeting) == []


@pytest.mark.django_db
def test_raw_sql_cannot_edit_or_delete_the_voting_audit_log(meeting):
    entry = AuditEntry.objects.filter(meeting=meeting).first()
    for statement in (
        "UPDATE voting_auditentry SET kind = 'x' WHERE id = %s",
        "DELETE FROM voting_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
