"""Every state change of owners' meetings: announce (freezing the roll), cast, close, count, publish,
paper entries, proxies; plus the audit chain and the verifier.

Views parse and authorise; these functions decide. Refusals are ``ValidationError`` with a
translated message that names the rule.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import ratelimit
from portal.access import may_act_in_office
from portal.people.models import ResidentMembership, ResidentRole, StaffRole
from portal.properties.models import Unit

from . import tally
from .models import (
    ELECTION_PREFIX,
    AuditEntry,
    Ballot,
    Candidate,
    Choice,
    Matter,
    Meeting,
    Motion,
    MotionResult,
    PaperEntry,
    Proxy,
    RollParty,
    RollUnit,
    UnitArea,
    decode_selection,
    encode_selection,
)

MANAGER_ROLES = (StaffRole.OFFICE_MANAGER,)
CLERK_ROLES = (StaffRole.OFFICE_MANAGER, StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER)
CONFIRMATION_MAX_AGE = 15 * 60  # seconds a ballot page stays valid
GENESIS = "0" * 64


def _office(meeting: Meeting):
    return meeting.community.office_id


def require_manager(by, meeting: Meeting) -> None:
    if not may_act_in_office(by, MANAGER_ROLES, _office(meeting)):
        raise PermissionDenied


def require_clerk(by, meeting: Meeting) -> None:
    if not may_act_in_office(by, CLERK_ROLES, _office(meeting)):
        raise PermissionDenied


# --- the audit chain -----------------------------------------------------------------------------


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, seq: int, kind: str, payload: dict) -> str:
    return hashlib.sha256(f"{prev_hash}|{seq}|{kind}|{_canonical(payload)}".encode()).hexdigest()


def _append(meeting: Meeting, kind: str, payload: dict) -> AuditEntry:
    """Append to the meeting's chain; the caller holds the meeting row lock."""
    last = AuditEntry.objects.filter(meeting=meeting).order_by("-seq").first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    return AuditEntry.objects.create(
        meeting=meeting, seq=seq, kind=kind, payload=payload, prev_hash=prev, hash=entry_hash(prev, seq, kind, payload)
    )


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)


# --- receipts and signatures ---------------------------------------------------------------------


def meeting_key(meeting: Meeting) -> bytes:
    """The per-meeting signing key, derived from the site secret and the meeting's random salt."""
    return hmac.new(settings.SECRET_KEY.encode(), f"linli.voting|{meeting.key_salt}".encode(), hashlib.sha256).digest()


def receipt_code(meeting_id: int, motion_id: int, party_key: str, choice: str, nonce: str) -> str:
    raw = f"{meeting_id}|{motion_id}|{party_key}|{choice}|{nonce}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def ballot_content(ballot: Ballot) -> str:
    return "|".join(
        str(x)
        for x in (
            ballot.motion.meeting_id,
            ballot.motion_id,
            ballot.party.key,
            ballot.choice,
            ballot.channel,
            ballot.cast_by_id,
            ballot.version,
            ballot.receipt,
            ballot.nonce,
            ballot.cast_at.isoformat(),
        )
    )


def sign(ballot: Ballot) -> str:
    return hmac.new(meeting_key(ballot.motion.meeting), ballot_content(ballot).encode(), hashlib.sha256).hexdigest()


def format_receipt(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)).upper()


def normalize_receipt(text: str) -> str:
    return "".join(ch for ch in (text or "").lower() if ch in "0123456789abcdef")


# --- areas and the roll --------------------------------------------------------------------------


def area_of(unit: Unit) -> tuple[Decimal, str]:
    """Registered exclusive area, else surveyed, else contract, else the floor area on record."""
    try:
        record = unit.voting_area
    except UnitArea.DoesNotExist:
        record = None
    if record is not None:
        for value, source in (
            (record.registered_area, RollUnit.AreaSource.REGISTERED),
            (record.surveyed_area, RollUnit.AreaSource.SURVEYED),
            (record.contract_area, RollUnit.AreaSource.CONTRACT),
        ):
            if value is not None:
                return value, source
    return unit.floor_area, RollUnit.AreaSource.FLOOR_AREA


def _freeze_roll(meeting: Meeting) -> list[RollParty]:
    units = list(
        Unit.objects.filter(building__community=meeting.community)
        .select_related("building", "voting_area")
        .order_by("building__name", "floor", "number")
    )
    today = timezone.localdate()
    owners: dict[int, set[int]] = {}
    for unit_id, user_id in (
        ResidentMembership.objects.active(today)
        .filter(unit__in=units, role=ResidentRole.OWNER)
        .values_list("unit_id", "user_id")
    ):
        owners.setdefault(unit_id, set()).add(user_id)
    areas = {u.pk: area_of(u) for u in units}
    by_id = {u.pk: u for u in units}
    records = [
        tally.UnitRecord(
            unit_id=u.pk,
            area=tally.to_centi(areas[u.pk][0]),
            owners=frozenset(owners.get(u.pk, ())) if u.status != Unit.Status.UNSOLD else frozenset(),
            unsold=u.status == Unit.Status.UNSOLD,
        )
        for u in units
    ]
    grouped = tally.group_parties(records)
    names = _owner_names({i for record in grouped for i in record.owners if len(record.unit_owners) > 1})
    parties = []
    for record in grouped:
        labels = [by_id[i].label for i in record.unit_ids]
        label = ", ".join(labels[:8]) + (f" … (+{len(labels) - 8})" if len(labels) > 8 else "")
        party = RollParty.objects.create(
            meeting=meeting,
            key=record.key,
            area=tally.from_centi(record.area),
            reason=record.reason,
            label=label,
            detail=_grouping_detail(record, by_id, names),
        )
        if record.owners:
            party.owners.set(record.owners)
        RollUnit.objects.bulk_create(
            RollUnit(party=party, unit_id=i, area=areas[i][0], area_source=areas[i][1]) for i in record.unit_ids
        )
        parties.append(party)
    return parties


def _owner_names(user_ids: set[int]) -> dict[int, str]:
    from portal.people.models import User

    return {
        user.pk: user.full_name or user.email or user.phone or f"#{user.pk}"
        for user in User.objects.filter(pk__in=user_ids).only("pk", "full_name", "email", "phone")
    }


def _grouping_detail(record: tally.PartyRecord, units: dict, names: dict[int, str]) -> str:
    """ "3-1201: 张三, 李四; 5-0302: 张三" for a party of several units, so staff see which owner joins them."""
    if len(record.unit_owners) < 2:
        return ""
    parts = [
        f"{units[unit_id].label}: " + ", ".join(names.get(i, f"#{i}") for i in sorted(owners))
        for unit_id, owners in record.unit_owners
    ]
    text = "; ".join(parts)
    return text if len(text) <= 1000 else text[:999] + "…"


def roll_digest(meeting: Meeting) -> str:
    rows = [
        [p.key, str(p.area), sorted(p.owners.values_list("pk", flat=True))]
        for p in RollParty.objects.filter(meeting=meeting).prefetch_related("owners").order_by("key")
    ]
    return hashlib.sha256(_canonical(rows).encode()).hexdigest()


# --- meetings ------------------------------------------------------------------------------------


def create_meeting(by, community, *, title, opens_at, closes_at, description="", notice_days=15, allow_change=True):
    meeting = Meeting(
        community=community,
        title=title,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        notice_days=notice_days,
        allow_change=allow_change,
        created_by=by,
    )
    require_manager(by, meeting)
    if closes_at <= opens_at:
        raise ValidationError(_("Voting must close after it opens."))
    meeting.key_salt = secrets.token_hex(16)
    meeting.save()
    return meeting


def add_motion(by, meeting: Meeting, *, title, matter, text="", seats=None) -> Motion:
    require_manager(by, meeting)
    if seats and matter != Matter.COMMITTEE:
        raise ValidationError(_("Only an owners' committee election has seats."))
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status != Meeting.Status.DRAFT:
            raise ValidationError(_("Motions can only be added while the meeting is a draft."))
        order = meeting.motions.count() + 1
        return Motion.objects.create(
            meeting=meeting, order=order, title=title, text=text, matter=matter, seats=seats or None
        )


def add_candidate(by, motion: Motion, *, name, profile="") -> Candidate:
    require_manager(by, motion.meeting)
    with transaction.atomic():
        meeting = _locked(motion.meeting)
        if meeting.status != Meeting.Status.DRAFT:
            raise ValidationError(_("Candidates can only be added while the meeting is a draft."))
        if not motion.is_election:
            raise ValidationError(_("Candidates belong to an owners' committee election."))
        return Candidate.objects.create(motion=motion, order=motion.candidates.count() + 1, name=name, profile=profile)


def announce(by, meeting: Meeting, *, now=None) -> Meeting:
    """Publish the notice and freeze the roll: units, areas and owner parties as of now."""
    require_manager(by, meeting)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _locked(meeting)
        meeting.check_transition(Meeting.Status.ANNOUNCED)
        if not meeting.motions.exists():
            raise ValidationError(_("A meeting needs at least one motion before it is announced."))
        for motion in meeting.motions.filter(seats__isnull=False):
            if motion.candidates.count() < 1:
                raise ValidationError(_("The election “%(motion)s” has no candidates yet.") % {"motion": motion.title})
        earliest = now + timezone.timedelta(days=meeting.notice_days)
        if meeting.opens_at < earliest:
            raise ValidationError(
                _("Voting may open no earlier than %(days)d days after the notice, that is on or after %(date)s.")
                % {"days": meeting.notice_days, "date": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")}
            )
        parties = _freeze_roll(meeting)
        if not parties:
            raise ValidationError(_("This community has no units, so there is nobody to vote."))
        meeting.status, meeting.announced_at = Meeting.Status.ANNOUNCED, now
        meeting.save(update_fields=["status", "announced_at"])
        _append(
            meeting,
            "notice",
            {
                "by": by.pk,
                "title": meeting.title,
                "opens_at": meeting.opens_at.isoformat(),
                "closes_at": meeting.closes_at.isoformat(),
                "allow_change": meeting.allow_change,
                "motions": [[m.pk, m.title, m.matter] for m in meeting.motions.all()],
                "roll": roll_digest(meeting),
                "parties": len(parties),
            },
        )
        transaction.on_commit(lambda: _notify_owners(meeting, "voting.announced"))
    return meeting


def cancel(by, meeting: Meeting) -> Meeting:
    require_manager(by, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        meeting.check_transition(Meeting.Status.CANCELLED)
        if meeting.status == Meeting.Status.ANNOUNCED and _ballot_count(meeting):
            raise ValidationError(_("Ballots have been cast; the meeting cannot be cancelled any more."))
        meeting.status = Meeting.Status.CANCELLED
        meeting.save(update_fields=["status"])
        if meeting.audit.exists():
            _append(meeting, "cancelled", {"by": by.pk})
    return meeting


def close(meeting: Meeting, *, by=None, now=None) -> Meeting:
    """End voting once the window is over (staff, or the periodic task)."""
    if by is not None:
        require_manager(by, meeting)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _locked(meeting)
        meeting.check_transition(Meeting.Status.CLOSED)
        if now < meeting.closes_at:
            raise ValidationError(
                _("Voting is still open until %(time)s; it cannot be closed early.")
                % {"time": timezone.localtime(meeting.closes_at).strftime("%Y-%m-%d %H:%M")}
            )
        meeting.status, meeting.closed_at = Meeting.Status.CLOSED, now
        meeting.save(update_fields=["status", "closed_at"])
        _append(meeting, "closed", {"by": getattr(by, "pk", None), "ballots": _ballot_count(meeting)})
    return meeting


def _ballot_count(meeting) -> int:
    return Ballot.objects.filter(motion__meeting=meeting).count()


def motion_tally(motion: Motion):
    """The official count of one motion (``tally.Result``, or ``tally.ElectionResult`` for an election)."""
    parties = [(key, tally.to_centi(area)) for key, area in motion.meeting.roll.values_list("key", "area")]
    ballots = dict(motion.ballots.values_list("party__key", "choice"))
    if motion.is_election:
        names = {str(pk): name for pk, name in motion.candidates.values_list("pk", "name")}
        selections = {key: [str(i) for i in decode_selection(choice)] for key, choice in ballots.items()}
        return tally.elect(parties, selections, list(names), motion.seats, names)
    return tally.tally(parties, ballots, major=motion.major)


def count(by, meeting: Meeting) -> Meeting:
    """Count every motion; refused while voting is open or not yet closed."""
    if by is not None:
        require_manager(by, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status in (Meeting.Status.DRAFT, Meeting.Status.ANNOUNCED):
            raise ValidationError(_("The count runs only on a closed meeting; close the voting first."))
        meeting.check_transition(Meeting.Status.TALLIED)
        results = {}
        for motion in meeting.motions.all():
            result = motion_tally(motion)
            data = result.as_dict()
            MotionResult.objects.create(motion=motion, data=data, quorum_met=result.quorum_met, passed=result.passed)
            results[str(motion.pk)] = data
        meeting.status = Meeting.Status.TALLIED
        meeting.save(update_fields=["status"])
        _append(meeting, "tally", {"by": getattr(by, "pk", None), "results": results})
    return meeting


def publish(by, meeting: Meeting, *, now=None) -> Meeting:
    require_manager(by, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        meeting.check_transition(Meeting.Status.PUBLISHED)
        meeting.status, meeting.published_at = Meeting.Status.PUBLISHED, now or timezone.now()
        meeting.save(update_fields=["status", "published_at"])
        notice = _results_notice(meeting)
        _append(meeting, "published", {"by": by.pk, "notice": getattr(notice, "pk", None)})
        transaction.on_commit(lambda: _notify_owners(meeting, "voting.result"))
    return meeting


def _results_notice(meeting: Meeting):
    """Publish the verdicts as a notice to the community (when the site has a notice board)."""
    from django.urls import reverse
    from django.utils.html import escape

    from frontend.models import NoticeIndexPage, NoticePage

    index = NoticeIndexPage.objects.live().first()
    if index is None:
        return None
    items = []
    for motion in meeting.motions.select_related("result"):
        data = motion.result.data
        if data["rule"] == "election":
            names = ", ".join(c["name"] for c in data["candidates"] if c["elected"]) or "–"
            verdict = _("elected: %(names)s") % {"names": names}
        else:
            verdict = _("passed") if data["passed"] else _("not passed")
        items.append(f"<li>{escape(motion.title)}: <b>{escape(verdict)}</b></li>")
    url = reverse("voting:results", args=[meeting.pk])
    body = (
        f"<p>{escape(_('The results of the owners’ vote are published.'))}</p><ul>{''.join(items)}</ul>"
        f'<p><a href="{url}">{escape(_("Full results, the roll and the bulletin of receipts"))}</a></p>'
    )
    notice = index.add_child(
        instance=NoticePage(
            title=_("Results: %(title)s") % {"title": meeting.title},
            slug=f"owners-vote-results-{meeting.pk}",
            community=meeting.community,
            body=body,
        )
    )
    notice.save_revision().publish()
    return notice


# --- who may vote --------------------------------------------------------------------------------


def voter_parties(user, meeting: Meeting):
    """Roll parties the user may vote for: as one of its owners, or as its approved proxy."""
    if not getattr(user, "is_authenticated", False):
        return RollParty.objects.none()
    return (
        RollParty.objects.filter(meeting=meeting)
        .filter(Q(owners=user) | Q(proxies__proxy=user, proxies__status=Proxy.Status.APPROVED))
        .distinct()
        .order_by("pk")
    )


def channel_for(user, party: RollParty) -> str:
    return Ballot.Channel.ONLINE if party.owners.filter(pk=user.pk).exists() else Ballot.Channel.PROXY


def confirmation_token(user, meeting: Meeting) -> str:
    return signing.TimestampSigner(salt=f"voting.confirm.{meeting.pk}").sign(str(user.pk))


def check_confirmation(user, meeting: Meeting, token: str, password: str) -> None:
    try:
        value = signing.TimestampSigner(salt=f"voting.confirm.{meeting.pk}").unsign(
            token or "", max_age=CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError(
            _("This ballot page has expired (it is valid for 15 minutes). Reload it and confirm again."),
            code="stale",
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This ballot page is not valid. Reload it and confirm again."), code="stale") from None
    if value != str(user.pk):
        raise ValidationError(_("This ballot page is not valid. Reload it and confirm again."), code="stale")
    if ratelimit.VOTE_CONFIRMATION.blocked([f"user:{user.pk}"]):
        raise ValidationError(
            _("Too many wrong passwords or codes. Wait %(minutes)d minutes, then confirm again.")
            % {"minutes": ratelimit.VOTE_CONFIRMATION.minutes},
            code="rate_limited",
        )
    if password and user.has_usable_password() and user.check_password(password):
        return
    if password and _use_vote_code(user, meeting, password):
        return
    ratelimit.VOTE_CONFIRMATION.failed([f"user:{user.pk}"])
    raise ValidationError(
        _("The password or code is wrong. Re-enter your login password (or the code sent to your phone)."),
        code="password",
    )


def _code_key(user, meeting) -> str:
    return f"voting:code:{meeting.pk}:{user.pk}"


def send_vote_code(user, meeting: Meeting) -> bool:
    """Text a one-time confirmation code (valid 10 minutes, one use) to the user's phone."""
    from django.core.cache import cache

    from portal.people.sms import send_sms

    if not user.phone:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(user, meeting), hashlib.sha256(code.encode()).hexdigest(), timeout=10 * 60)
    send_sms(user.phone, _("Linli: your code to confirm your vote is %(code)s (valid 10 minutes).") % {"code": code})
    return True


def _use_vote_code(user, meeting, code: str) -> bool:
    from django.core.cache import cache

    expected = cache.get(_code_key(user, meeting))
    given = hashlib.sha256(code.strip().encode()).hexdigest()
    if expected and hmac.compare_digest(expected, given):
        cache.delete(_code_key(user, meeting))
        return True
    return False


# --- casting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    ballot: Ballot
    changed: bool


def _write_ballot(meeting, motion, party, choice, *, by, channel, now) -> Cast:
    """Insert the ballot, or rewrite it when the meeting allows changes; the caller holds the meeting lock."""
    nonce = secrets.token_hex(16)
    ballot = Ballot(
        motion=motion,
        party=party,
        choice=choice,
        channel=channel,
        cast_by=by,
        nonce=nonce,
        receipt=receipt_code(meeting.pk, motion.pk, party.key, choice, nonce),
        cast_at=now,
    )
    changed = False
    try:
        with transaction.atomic():
            ballot.signature = sign(ballot)
            ballot.save()
    except IntegrityError:
        existing = Ballot.objects.select_for_update().filter(motion=motion, party=party).first()
        if existing is None:  # a receipt collision, astronomically unlikely: try once more
            raise
        if not meeting.allow_change:
            raise ValidationError(
                _("A ballot on “%(motion)s” has already been cast for %(party)s; this meeting does not allow changes.")
                % {"motion": motion.title, "party": party.label},
                code="twice",
            ) from None
        if channel == Ballot.Channel.PAPER and existing.channel != Ballot.Channel.PAPER:
            raise ValidationError(_online_already(motion, party), code="voted_online") from None
        if existing.channel == Ballot.Channel.PAPER and channel != Ballot.Channel.PAPER:
            raise ValidationError(
                _("A paper ballot on “%(motion)s” was recorded for %(party)s; it cannot be changed online.")
                % {"motion": motion.title, "party": party.label},
                code="twice",
            ) from None
        existing.choice, existing.channel, existing.cast_by, existing.nonce = choice, channel, by, nonce
        existing.receipt = receipt_code(meeting.pk, motion.pk, party.key, choice, nonce)
        existing.version += 1
        existing.cast_at = now
        existing.signature = sign(existing)
        existing.save()
        ballot, changed = existing, True
    _append(
        meeting,
        "ballot",
        {
            "motion": motion.pk,
            "party": party.key,
            "receipt": ballot.receipt,
            "version": ballot.version,
            "channel": ballot.channel,
            "by": by.pk,
            "signature": ballot.signature,
        },
    )
    return Cast(ballot, changed)


def cast_ballots(user, meeting: Meeting, party: RollParty, choices: dict, *, password: str, token: str, now=None):
    """An owner (or approved proxy) votes online on one or more motions for one party, after confirming.

    ``choices`` maps motion ids to "for" / "against" / "abstain". All or nothing.
    """
    now = now or timezone.now()
    check_confirmation(user, meeting, token, password)
    if not choices:
        raise ValidationError(_("Choose for, against or abstain on at least one motion."))
    with transaction.atomic():
        meeting = _locked(meeting)
        if not meeting.is_open(now):
            raise ValidationError(
                _("Voting is not open: it runs from %(opens)s to %(closes)s.")
                % {
                    "opens": timezone.localtime(meeting.opens_at).strftime("%Y-%m-%d %H:%M"),
                    "closes": timezone.localtime(meeting.closes_at).strftime("%Y-%m-%d %H:%M"),
                },
                code="window",
            )
        if not voter_parties(user, meeting).filter(pk=party.pk).exists():
            raise ValidationError(
                _(
                    "Only the owners on this meeting's roll (or their approved proxy) can vote for these units; "
                    "tenants and family members cannot vote."
                ),
                code="not_owner",
            )
        motions = {m.pk: m for m in meeting.motions.all()}
        casts = []
        for motion_id, choice in sorted(choices.items()):
            motion = motions.get(int(motion_id))
            if motion is None:
                raise ValidationError(_("That motion is not part of this meeting."))
            choice = _checked_choice(motion, choice)
            casts.append(
                _write_ballot(meeting, motion, party, choice, by=user, channel=channel_for(user, party), now=now)
            )
    return casts


def _checked_choice(motion: Motion, choice) -> str:
    """A yes/no choice as is; an election's selection (a list of candidate ids) encoded, within the seats."""
    if motion.is_election:
        if isinstance(choice, str):
            choice = decode_selection(choice) if choice.startswith(ELECTION_PREFIX) else [choice]
        ids = {int(i) for i in choice}
        if len(ids) > motion.seats:
            raise ValidationError(
                _("Select at most %(seats)d candidates in “%(motion)s”.")
                % {"seats": motion.seats, "motion": motion.title}
            )
        if ids - set(motion.candidates.values_list("pk", flat=True)):
            raise ValidationError(_("That candidate does not stand in this election."))
        return encode_selection(ids)
    if choice not in Choice.values:
        raise ValidationError(_("Choose for, against or abstain."))
    return choice


# --- paper ballots (two clerks) ------------------------------------------------------------------


def _online_already(motion: Motion, party: RollParty) -> str:
    return _(
        "%(party)s already voted online on “%(motion)s”: a party that voted online cannot also hand in a paper "
        "ballot. Keep the paper sheet with a note; the online ballot counts."
    ) % {"party": party.label, "motion": motion.title}


def _refuse_if_voted_online(motion: Motion, party: RollParty) -> None:
    if Ballot.objects.filter(motion=motion, party=party).exclude(channel=Ballot.Channel.PAPER).exists():
        raise ValidationError(_online_already(motion, party), code="voted_online")


def enter_paper(by, motion: Motion, party: RollParty, choice: str, scan, *, reference: str = "") -> PaperEntry:
    """One motion of a paper ballot, typed in by a clerk with its scan; it counts once a second clerk confirms."""
    return enter_paper_ballot(by, motion.meeting, party, {motion.pk: choice}, scan, reference=reference)[0]


def enter_paper_ballot(by, meeting: Meeting, party: RollParty, choices: dict, scan, *, reference: str = ""):
    """A party's paper ballot sheet: one entry per motion marked on it, sharing the scan and the sheet number.

    All or nothing; refused for a motion the party already voted on online (the database allows one
    ballot per party and motion, and a paper ballot never replaces an online one).
    """
    require_clerk(by, meeting)
    if party.meeting_id != meeting.pk:
        raise ValidationError(_("That party is not on this meeting's roll."))
    reference = " ".join((reference or "").split())[:60]
    motions = {m.pk: m for m in meeting.motions.all()}
    marked = []
    for motion_id, choice in sorted(choices.items()):
        motion = motions.get(int(motion_id))
        if motion is None:
            raise ValidationError(_("That motion is not part of this meeting."))
        marked.append((motion, _checked_choice(motion, choice)))
    if not marked:
        raise ValidationError(_("Enter the choice marked on the paper for at least one motion."), code="empty")
    if not meeting.is_open():
        raise ValidationError(_("Paper ballots are entered only while voting is open."))
    entries = []
    try:
        with transaction.atomic():
            meeting = _locked(meeting)
            for motion, choice in marked:
                _refuse_if_voted_online(motion, party)
                entry = PaperEntry(motion=motion, party=party, choice=choice, reference=reference, entered_by=by)
                if entries:
                    entry.scan = entries[0].scan.name  # the same sheet: one stored scan
                else:
                    entry.scan = scan
                with transaction.atomic():
                    entry.save()
                _append(
                    meeting,
                    "paper_entered",
                    {
                        "entry": entry.pk,
                        "motion": motion.pk,
                        "party": party.key,
                        "by": by.pk,
                        "scan": entry.scan.name,
                        "reference": reference,
                    },
                )
                entries.append(entry)
    except IntegrityError:
        pending = PaperEntry.objects.filter(
            motion__in=[motion for motion, _choice in marked], party=party, status=PaperEntry.Status.PENDING
        ).exists()
        if pending:
            message = _("A paper ballot for %(party)s is already waiting for confirmation.") % {"party": party.label}
        else:
            message = _("Paper ballot number %(reference)s was already entered.") % {"reference": reference}
        raise ValidationError(message, code="duplicate") from None
    return entries


def confirm_paper(by, entry: PaperEntry, *, now=None) -> Ballot:
    meeting = entry.motion.meeting
    require_clerk(by, meeting)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _locked(meeting)
        entry = PaperEntry.objects.select_for_update().get(pk=entry.pk)
        entry.check_transition(PaperEntry.Status.CONFIRMED)
        if entry.entered_by_id == by.pk:
            raise ValidationError(_("A second clerk must confirm a paper ballot; you entered this one."))
        if not meeting.is_open(now):
            raise ValidationError(_("Paper ballots are confirmed only while voting is open."))
        _refuse_if_voted_online(entry.motion, entry.party)
        cast = _write_ballot(
            meeting,
            entry.motion,
            entry.party,
            entry.choice,
            by=entry.entered_by,
            channel=Ballot.Channel.PAPER,
            now=now,
        )
        entry.status, entry.decided_by, entry.decided_at, entry.ballot = (
            PaperEntry.Status.CONFIRMED,
            by,
            now,
            cast.ballot,
        )
        entry.save()
        _append(meeting, "paper_confirmed", {"entry": entry.pk, "by": by.pk, "receipt": cast.ballot.receipt})
    return cast.ballot


def reject_paper(by, entry: PaperEntry) -> PaperEntry:
    require_clerk(by, entry.motion.meeting)
    with transaction.atomic():
        meeting = _locked(entry.motion.meeting)
        entry = PaperEntry.objects.select_for_update().get(pk=entry.pk)
        entry.check_transition(PaperEntry.Status.REJECTED)
        entry.status, entry.decided_by, entry.decided_at = PaperEntry.Status.REJECTED, by, timezone.now()
        entry.save()
        _append(meeting, "paper_rejected", {"entry": entry.pk, "by": by.pk})
    return entry


# --- proxies -------------------------------------------------------------------------------------


def request_proxy(user, party: RollParty, proxy_user, document) -> Proxy:
    if not party.owners.filter(pk=user.pk).exists():
        raise ValidationError(_("Only an owner of these units can appoint a proxy."))
    if proxy_user.pk == user.pk:
        raise ValidationError(_("You cannot appoint yourself as proxy."))
    if party.meeting.status not in (Meeting.Status.ANNOUNCED,) or timezone.now() >= party.meeting.closes_at:
        raise ValidationError(_("Proxies can be appointed only before voting ends."))
    try:
        with transaction.atomic():
            return Proxy.objects.create(party=party, granted_by=user, proxy=proxy_user, document=document)
    except IntegrityError:
        raise ValidationError(_("A proxy for these units is already appointed or awaiting approval.")) from None


def decide_proxy(by, proxy: Proxy, approve: bool) -> Proxy:
    meeting = proxy.party.meeting
    require_clerk(by, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        proxy = Proxy.objects.select_for_update().get(pk=proxy.pk)
        status = Proxy.Status.APPROVED if approve else Proxy.Status.REJECTED
        proxy.check_transition(status)
        proxy.status, proxy.decided_by, proxy.decided_at = status, by, timezone.now()
        proxy.save()
        _append(
            meeting,
            f"proxy_{status}",
            {"party": proxy.party.key, "proxy": proxy.proxy_id, "by": by.pk, "document": proxy.document.name},
        )
    return proxy


# --- notifications -------------------------------------------------------------------------------


def _roll_owners(meeting):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(voting_parties__meeting=meeting).distinct()


def _notify_owners(meeting: Meeting, event: str, recipients=None) -> None:
    from django.urls import reverse

    from notifications.services import notify

    notify(
        recipients if recipients is not None else _roll_owners(meeting),
        event,
        {
            "title": meeting.title,
            "community": meeting.community.name,
            "opens": timezone.localtime(meeting.opens_at).strftime("%Y-%m-%d %H:%M"),
            "closes": timezone.localtime(meeting.closes_at).strftime("%Y-%m-%d %H:%M"),
        },
        url=reverse("voting:meeting", args=[meeting.pk]),
    )


def remind_non_voters(meeting: Meeting, *, now=None) -> int:
    """Remind owners of parties that have not voted on every motion yet; returns how many were told."""
    if not meeting.is_open(now):
        return 0
    motions = meeting.motions.count()
    waiting = [p for p in meeting.roll.prefetch_related("owners") if p.ballots.count() < motions]
    users = {u.pk: u for p in waiting for u in p.owners.all()}
    _notify_owners(meeting, "voting.reminder", list(users.values()))
    return len(users)


# --- verification --------------------------------------------------------------------------------


def verify(meeting: Meeting) -> list[str]:
    """Every inconsistency between the chain, the ballots and the results; empty means intact."""
    problems = []
    prev, expected_seq = GENESIS, 1
    latest: dict[tuple[int, str], dict] = {}
    tally_payload = None
    for entry in AuditEntry.objects.filter(meeting=meeting).order_by("seq"):
        if entry.seq != expected_seq:
            problems.append(f"audit entry {entry.seq}: expected sequence {expected_seq}")
        if entry.prev_hash != prev:
            problems.append(f"audit entry {entry.seq}: does not link to the previous entry")
        if entry.hash != entry_hash(entry.prev_hash, entry.seq, entry.kind, entry.payload):
            problems.append(f"audit entry {entry.seq}: content does not match its hash")
        if entry.kind == "ballot":
            payload = entry.payload if isinstance(entry.payload, dict) else {}
            latest[(payload.get("motion"), payload.get("party"))] = payload
        if entry.kind == "tally":
            tally_payload = entry.payload
        if entry.kind == "notice" and entry.payload.get("roll") != roll_digest(meeting):
            problems.append(f"audit entry {entry.seq}: the roll was changed after it was frozen")
        prev, expected_seq = entry.hash, entry.seq + 1
    ballots = Ballot.objects.filter(motion__meeting=meeting).select_related("motion__meeting", "party")
    seen = set()
    for ballot in ballots:
        ident = (ballot.motion_id, ballot.party.key)
        seen.add(ident)
        if not hmac.compare_digest(ballot.signature, sign(ballot)):
            problems.append(f"ballot {ballot.receipt}: signature does not match its content")
        if ballot.receipt != receipt_code(meeting.pk, ballot.motion_id, ballot.party.key, ballot.choice, ballot.nonce):
            problems.append(f"ballot {ballot.receipt}: receipt does not match its choice")
        logged = latest.get(ident)
        if logged is None:
            problems.append(f"ballot {ballot.receipt}: not in the audit log")
        elif (logged.get("receipt"), logged.get("version"), logged.get("signature")) != (
            ballot.receipt,
            ballot.version,
            ballot.signature,
        ):
            problems.append(f"ballot {ballot.receipt}: differs from its last audit entry")
    for ident in set(latest) - seen:
        problems.append(f"ballot of motion {ident[0]} for {ident[1]}: in the audit log but missing")
    if tally_payload is not None:
        for motion in meeting.motions.all():
            stored = getattr(motion, "result", None)
            fresh = motion_tally(motion).as_dict()
            if (tally_payload.get("results") or {}).get(str(motion.pk)) != fresh:
                problems.append(f"motion {motion.pk}: the logged tally differs from a recount")
            if stored is None or stored.data != fresh:
                problems.append(f"motion {motion.pk}: the stored result differs from a recount")
    return problems


def public_bulletin(motion: Motion) -> list[tuple[str, str]]:
    """What residents see after publication: receipt and choice of every ballot, nothing else.

    The area is left out on purpose: an unusual area would point to the household behind a receipt.
    """
    return list(motion.ballots.order_by("receipt").values_list("receipt", "choice"))


def bulletin(motion: Motion) -> list[tuple[str, str, Decimal]]:
    """The auditors' list: receipt, choice and area of every ballot (no names, no units), for the recount."""
    return [
        (receipt, choice, area)
        for receipt, choice, area in motion.ballots.order_by("receipt").values_list("receipt", "choice", "party__area")
    ]


def recount_from_bulletin(motion: Motion) -> tally.Result:
    roll = motion.meeting.roll.values_list("area", flat=True)
    total = tally.Share(sum(tally.to_centi(a) for a in roll), len(roll))
    rows = [(r, c, tally.to_centi(a)) for r, c, a in bulletin(motion)]
    return tally.recount_bulletin(total, rows, major=motion.major)
