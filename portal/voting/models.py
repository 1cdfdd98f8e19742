"""Owners' meetings (业主大会): motions, the frozen roll, ballots with receipts, the audit chain, results."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Community, Unit
from portal.state_machine import TransitionsMixin

from . import tally


class UnitArea(models.Model):
    """The areas of a unit that the law ranks: registered (产权登记), else surveyed (实测), else contract.

    Units without a row here count with their floor area on record, taken as the contract area.
    """

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="voting_area", verbose_name=_("unit"))
    registered_area = models.DecimalField(
        _("registered exclusive area (m²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    surveyed_area = models.DecimalField(
        _("surveyed area (m²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    contract_area = models.DecimalField(
        _("contract area (m²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("unit area for voting")
        verbose_name_plural = _("unit areas for voting")
        constraints = [
            models.CheckConstraint(
                condition=(Q(registered_area__isnull=True) | Q(registered_area__gt=0))
                & (Q(surveyed_area__isnull=True) | Q(surveyed_area__gt=0))
                & (Q(contract_area__isnull=True) | Q(contract_area__gt=0)),
                name="voting_unitarea_positive",
            )
        ]

    def __str__(self):
        return str(self.unit)


class Matter(models.TextChoices):
    """The matters of Civil Code art. 278; the first four are major (3/4), the rest ordinary (>1/2)."""

    RAISE_FUND = "raise_fund", _("Raising the special maintenance fund")
    REBUILD = "rebuild", _("Rebuilding or reconstructing buildings and their facilities")
    CHANGE_USE = "change_use", _("Changing the use of common parts or using them for business")
    OTHER_MAJOR = "other_major", _("Other matter the law treats as major (3/4)")
    RULES = "rules", _("Rules of procedure of the owners' meeting")
    COVENANT = "covenant", _("The management covenant")
    COMMITTEE = "committee", _("Electing or replacing the owners' committee")
    PROPERTY_COMPANY = "property_company", _("Hiring or dismissing the property company")
    USE_FUND = "use_fund", _("Using the special maintenance fund")
    OTHER = "other", _("Other major common matter")


MAJOR_MATTERS = frozenset({Matter.RAISE_FUND, Matter.REBUILD, Matter.CHANGE_USE, Matter.OTHER_MAJOR})


class VotingWindow(models.Model):
    """The voting window shared by meetings and surveys: when it opens and closes (closing after opening)."""

    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    class Meta:
        abstract = True
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="%(app_label)s_%(class)s_window_order"
            )
        ]

    def window_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class Meeting(TransitionsMixin, VotingWindow):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Announced")
        CLOSED = "closed", _("Closed")
        TALLIED = "tallied", _("Counted")
        PUBLISHED = "published", _("Results published")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.ANNOUNCED, Status.CANCELLED},
        Status.ANNOUNCED: {Status.CLOSED, Status.CANCELLED},
        Status.CLOSED: {Status.TALLIED},
        Status.TALLIED: {Status.PUBLISHED},
        Status.PUBLISHED: set(),
        Status.CANCELLED: set(),
    }
    transition_refusal = _("The meeting cannot go from “%(old)s” to “%(new)s”.")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="owner_meetings", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"),
        default=15,
        help_text=_("Owners must be told at least this many days before voting opens."),
    )
    allow_change = models.BooleanField(_("owners may change their ballot while voting is open"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    key_salt = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta(VotingWindow.Meta):
        verbose_name = _("owners' meeting")
        verbose_name_plural = _("owners' meetings")

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        return self.status == self.Status.ANNOUNCED and self.window_open(now)

    @property
    def phase(self) -> str:
        """A word for residents: upcoming, open, awaiting count, or the status."""
        if self.status == self.Status.ANNOUNCED:
            now = timezone.now()
            if now < self.opens_at:
                return _("Voting opens soon")
            if now < self.closes_at:
                return _("Voting is open")
            return _("Voting has ended; awaiting the count")
        return self.get_status_display()


class Motion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions", verbose_name=_("meeting"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    matter = models.CharField(_("matter"), max_length=20, choices=Matter.choices)
    seats = models.PositiveSmallIntegerField(
        _("seats"),
        null=True,
        blank=True,
        help_text=_("For an owners' committee election: how many members are elected. Empty for a yes/no motion."),
    )

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["meeting_id", "order", "pk"]

    def __str__(self):
        return self.title

    @property
    def major(self) -> bool:
        return self.matter in MAJOR_MATTERS

    @property
    def is_election(self) -> bool:
        return bool(self.seats)

    @property
    def rule_label(self):
        if self.is_election:
            return _(
                "Election of %(seats)d: each owner selects up to %(seats)d; elected with more than 1/2 of "
                "participating area and owners, seats by most votes"
            ) % {"seats": self.seats}
        if self.major:
            return _("Major matter: at least 3/4 of participating area and owners")
        return _("More than 1/2 of participating area and owners")


class Candidate(models.Model):
    """A candidate for the owners' committee (业委会) in an election motion."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("motion"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=100)
    profile = models.TextField(_("profile"), blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["motion_id", "order", "pk"]

    def __str__(self):
        return self.name


class RollParty(models.Model):
    """One owner party on the roll frozen at announcement: one head, the sum of its units' areas."""

    class Reason(models.TextChoices):
        SINGLE = tally.Reason.SINGLE, _("One owner, one unit")
        MULTI_UNIT = tally.Reason.MULTI_UNIT, _("One owner of several units: counts once, areas added")
        CO_OWNED = tally.Reason.CO_OWNED, _("Co-owners of one unit: count once")
        CO_OWNED_MULTI = tally.Reason.CO_OWNED_MULTI, _("The same co-owners of several units: count once, areas added")
        LINKED = (
            tally.Reason.LINKED,
            _("Several units sharing an owner (their co-owners differ): count once, areas added"),
        )
        DEVELOPER = tally.Reason.DEVELOPER, _("All unsold units of the developer: count once, areas added")
        NO_OWNER = tally.Reason.NO_OWNER, _("Sold unit with no owner registered here: counts once, paper ballot only")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="roll", verbose_name=_("meeting"))
    key = models.CharField(_("party key"), max_length=200)
    area = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("counted as"), max_length=20, choices=Reason.choices)
    label = models.CharField(_("units"), max_length=500)
    detail = models.CharField(
        _("why grouped"),
        max_length=1000,
        blank=True,
        help_text=_("For a party of several units or owners: each unit with its owners, as frozen on the roll."),
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="voting_parties", verbose_name=_("owners")
    )

    class Meta:
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll")
        ordering = ["meeting_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "key"], name="voting_roll_unique_party"),
            models.CheckConstraint(condition=Q(area__gt=0), name="voting_roll_area_positive"),
        ]

    def __str__(self):
        return self.label


class RollUnit(models.Model):
    class AreaSource(models.TextChoices):
        REGISTERED = "registered", _("registered")
        SURVEYED = "surveyed", _("surveyed")
        CONTRACT = "contract", _("contract")
        FLOOR_AREA = "floor_area", _("floor area on record (as contract area)")

    party = models.ForeignKey(RollParty, on_delete=models.CASCADE, related_name="units", verbose_name=_("party"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    area = models.DecimalField(_("area (m²)"), max_digits=9, decimal_places=2)
    area_source = models.CharField(_("area from"), max_length=12, choices=AreaSource.choices)

    class Meta:
        verbose_name = _("unit on the roll")
        verbose_name_plural = _("units on the roll")
        ordering = ["party_id", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["party", "unit"], name="voting_rollunit_unique")]

    def __str__(self):
        return f"{self.unit} ({self.area} m²)"


class Choice(models.TextChoices):
    FOR = tally.FOR, pgettext_lazy("vote", "For")
    AGAINST = tally.AGAINST, pgettext_lazy("vote", "Against")
    ABSTAIN = tally.ABSTAIN, pgettext_lazy("vote", "Abstain")


class Ballot(models.Model):
    """One party's ballot on one motion. Unique per (motion, party); a change rewrites it and is chained."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PROXY = "proxy", _("Online by proxy")
        PAPER = "paper", _("Paper ballot")

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("motion"))
    party = models.ForeignKey(RollParty, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("party"))
    choice = models.CharField(
        _("choice"), max_length=200, help_text=_("for / against / abstain, or the candidates selected in an election")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cast by")
    )
    nonce = models.CharField(max_length=64)
    receipt = models.CharField(_("receipt code"), max_length=64, unique=True)
    signature = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    cast_at = models.DateTimeField(_("cast at"))

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["motion_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "party"], name="voting_one_ballot_per_party"),
        ]

    def __str__(self):
        return self.receipt

    @property
    def choice_label(self) -> str:
        return choice_label(self.choice, self.motion)


ELECTION_PREFIX = "elect:"


def encode_selection(candidate_ids) -> str:
    return ELECTION_PREFIX + ",".join(str(i) for i in sorted(set(candidate_ids)))


def decode_selection(choice: str) -> list[int]:
    body = choice.removeprefix(ELECTION_PREFIX)
    return [int(i) for i in body.split(",") if i]


def choice_label(choice: str, motion=None) -> str:
    if choice.startswith(ELECTION_PREFIX):
        ids = decode_selection(choice)
        if not ids:
            return str(_("no candidate"))
        names = dict(Candidate.objects.filter(pk__in=ids).values_list("pk", "name")) if motion else {}
        return ", ".join(names.get(i, f"#{i}") for i in ids)
    try:
        return str(Choice(choice).label)
    except ValueError:
        return choice


class AuditEntry(AppendOnlyModel):
    """A hash-chained, append-only log per meeting: notice, roll, ballots, paper entries, the tally."""

    append_only_refusal = "The voting audit log cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="audit", verbose_name=_("meeting"))
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("payload"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("voting audit entry")
        verbose_name_plural = _("voting audit log")
        ordering = ["meeting_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seq"], name="voting_audit_unique_seq")]


class MotionResult(models.Model):
    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="result", verbose_name=_("motion"))
    data = models.JSONField(_("result"))
    quorum_met = models.BooleanField(_("quorum met"))
    passed = models.BooleanField(_("passed"))
    counted_at = models.DateTimeField(_("counted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("motion result")
        verbose_name_plural = _("motion results")

    def __str__(self):
        return str(self.motion)


class PaperEntry(TransitionsMixin, models.Model):
    """A paper ballot typed in by one clerk with its scan, confirmed by a second before it counts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: {Status.CONFIRMED, Status.REJECTED},
        Status.CONFIRMED: set(),
        Status.REJECTED: set(),
    }

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="paper_entries", verbose_name=_("motion"))
    party = models.ForeignKey(RollParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("party"))
    choice = models.CharField(_("choice"), max_length=200)
    scan = models.FileField(_("scan of the paper ballot"), upload_to="voting/paper/%Y/%m/")
    reference = models.CharField(
        _("paper ballot number"),
        max_length=60,
        blank=True,
        help_text=_("The number printed on the paper ballot sheet, to find the original behind its scan."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, null=True, blank=True, related_name="paper")

    class Meta:
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")
        ordering = ["-entered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("entered_by")),
                name="voting_paper_two_clerks",
            ),
            models.UniqueConstraint(
                fields=["motion", "party"], condition=Q(status="pending"), name="voting_paper_one_pending"
            ),
            models.UniqueConstraint(
                fields=["motion", "reference"],
                condition=~Q(status="rejected") & ~Q(reference=""),
                name="voting_paper_sheet_once",
            ),
        ]

    def __str__(self):
        return f"{self.party} · {self.motion}"

    @property
    def choice_label(self) -> str:
        return choice_label(self.choice, self.motion)


class Proxy(TransitionsMixin, models.Model):
    """An owner's written authorisation for someone else to vote for their party, approved by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    party = models.ForeignKey(RollParty, on_delete=models.PROTECT, related_name="proxies", verbose_name=_("party"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    proxy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="voting_proxies", verbose_name=_("proxy")
    )
    document = models.FileField(_("written authorisation"), upload_to="voting/proxies/%Y/%m/")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"], condition=~Q(status="rejected"), name="voting_one_live_proxy_per_party"
            ),
        ]

    def __str__(self):
        return f"{self.proxy} → {self.party}"


class Survey(VotingWindow):
    """A survey or poll that is not a legal decision: one response per household, results in percent."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta(VotingWindow.Meta):
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        return self.window_open(now)


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey"))
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    options = models.JSONField(_("options"))  # list of strings

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey_id", "order"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("household"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by")
    )
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="voting_survey_one_response_per_household")
        ]

    def __str__(self):
        return f"{self.survey} · {self.unit}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    option = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "option"], name="voting_survey_answer_unique")
        ]

    def __str__(self):
        return f"{self.question} · {self.option}"
