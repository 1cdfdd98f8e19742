"""The verifier's last answer per meeting, kept in the cache so page views do not re-run it.

A check is valid for the state it saw: the head of the meeting's audit chain and its ballot count. A new
ballot, paper entry or tally moves the head, so the next look re-verifies; staff can also ask for a
fresh check (and ``manage.py verify_voting`` always runs one). Quiet tampering with a stored row that
leaves the chain alone is caught by that fresh check.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from . import services
from .models import AuditEntry, Ballot, Meeting

CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Verification:
    problems: list[str]
    checked_at: datetime.datetime
    fresh: bool  # run for this request rather than taken from the cache


def _key(meeting: Meeting) -> str:
    return f"voting:verify:{meeting.pk}"


def _state(meeting: Meeting) -> list:
    head = AuditEntry.objects.filter(meeting=meeting).order_by("-seq").values_list("seq", "hash").first()
    ballots = Ballot.objects.filter(motion__meeting=meeting).count()
    return [list(head) if head else None, ballots, meeting.status]


def verify(meeting: Meeting, *, force: bool = False) -> Verification:
    """The cached result while the chain is unchanged; otherwise (or when forced) run the verifier and keep it."""
    state = _state(meeting)
    if not force:
        kept = cache.get(_key(meeting))
        if kept and kept.get("state") == state:
            return Verification(kept["problems"], datetime.datetime.fromisoformat(kept["at"]), fresh=False)
    problems = services.verify(meeting)
    now = timezone.now()
    cache.set(_key(meeting), {"state": state, "problems": problems, "at": now.isoformat()}, CACHE_SECONDS)
    return Verification(problems, now, fresh=True)
