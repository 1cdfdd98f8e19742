"""Work orders (工单): repairs, complaints, suggestions and enquiries, with their clocks and history.

A request is received (by a resident on the site or by the front desk for a caller), routed to the
housekeeper of its grid, dispatched to a technician, done on site with before/after photos, accepted
by the resident and followed up by a return visit (回访). Every move is listed in ``TRANSITIONS`` and
leaves an append-only ``WorkOrderEvent``; the resident's timeline is the public part of those events.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Building, Grid, Office, Unit
from portal.state_machine import TransitionsMixin

MAX_PHOTOS = 6


class ServiceSettings(models.Model):
    """The service promise of one office: its clocks. Offices without a row use the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="workorder_settings", verbose_name=_("office")
    )
    dispatch_minutes = models.PositiveIntegerField(
        _("dispatch within (minutes)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("The three-minute promise: from receipt to dispatching someone."),
    )
    arrival_minutes = models.PositiveIntegerField(
        _("arrive on site within (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("From dispatch to the technician's check-in on site."),
    )
    default_promise_days = models.PositiveSmallIntegerField(
        _("default promised handling time (days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    max_promise_days = models.PositiveSmallIntegerField(
        _("longest promised handling time (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    escalate_public_after_days = models.PositiveSmallIntegerField(
        _("escalate open public-area repairs after (days)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("service promise")
        verbose_name_plural = _("service promises")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_promise_days__lte=models.F("max_promise_days")),
                name="workorders_settings_default_within_max",
            )
        ]

    def __str__(self):
        return str(self.office)

    @classmethod
    def for_office(cls, office) -> ServiceSettings:
        office_id = office.pk if isinstance(office, Office) else office
        found = cls.objects.filter(office_id=office_id).first()
        return found or cls(office_id=office_id)


class PriceItem(models.Model):
    """One line of an office's repair price list (labour or material), posted on the wall (明码标价)."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("Labour")
        MATERIAL = "material", _("Material")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="repair_prices", verbose_name=_("office"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LABOUR)
    name = models.CharField(_("name"), max_length=100)
    measure = models.CharField(_("per"), max_length=20, blank=True, help_text=_("For example “each”, “m”, “hour”."))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("repair price")
        verbose_name_plural = _("repair price list")
        ordering = ["office", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "kind", "name"], name="workorders_price_unique_name"),
            models.CheckConstraint(condition=Q(price__gte=0), name="workorders_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class WorkOrder(TransitionsMixin, models.Model):
    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        ENQUIRY = "enquiry", _("Enquiry")

    class Area(models.TextChoices):
        HOME = "home", _("In my home")
        PUBLIC = "public", _("Public area")

    class Category(models.TextChoices):
        PLUMBING = "plumbing", _("Plumbing")
        ELECTRICAL = "electrical", _("Electrical")
        ELEVATOR = "elevator", _("Elevator")
        DOOR_LOCK = "door_lock", _("Door or lock")
        CLEANING = "cleaning", _("Cleaning")
        NOISE = "noise", _("Noise")
        PARKING = "parking", _("Parking")
        SECURITY = "security", _("Security")
        GREENING = "greening", _("Greening")
        APPLIANCE = "appliance", _("Appliance")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")
        CHAT = "chat", _("Chat")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("work order", "New")
        DISPATCHED = "dispatched", _("Dispatched")
        ON_THE_WAY = "on_the_way", _("On the way")
        ON_SITE = "on_site", _("On site")
        AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Waiting for acceptance")
        RETURN_VISIT = "return_visit", _("Return visit")
        CLOSED = "closed", pgettext_lazy("work order", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("work order", "Withdrawn")

    class ChargeStatus(models.TextChoices):
        NONE = "none", _("Free of charge")
        PROPOSED = "proposed", _("Waiting for the resident's consent")
        ACCEPTED = "accepted", _("Accepted by the resident")
        DECLINED = "declined", _("Declined by the resident")
        POSTED = "posted", _("Charged to the household account")

    S = Status
    TRANSITIONS = {
        S.NEW: {S.DISPATCHED, S.AWAITING_ACCEPTANCE, S.CANCELLED},
        S.DISPATCHED: {S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE, S.CANCELLED},
        S.ON_THE_WAY: {S.ON_SITE},
        S.ON_SITE: {S.AWAITING_ACCEPTANCE},
        S.AWAITING_ACCEPTANCE: {S.RETURN_VISIT, S.NEW, S.CLOSED},
        S.RETURN_VISIT: {S.CLOSED, S.NEW},
        S.CLOSED: set(),
        S.CANCELLED: set(),
    }
    OPEN = (S.NEW, S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE, S.AWAITING_ACCEPTANCE, S.RETURN_VISIT)
    BEFORE_FINISH = (S.NEW, S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE)
    transition_refusal = _("This request cannot go from “%(old)s” to “%(new)s”.")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("office"))
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("household"),
        help_text=_("The household that reported it (empty for a visitor's report of a public area)."),
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    area = models.CharField(_("where"), max_length=8, choices=Area.choices, default=Area.HOME)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000)
    preferred_time = models.DateTimeField(_("preferred visit time"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    caller_name = models.CharField(_("caller's name"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders_requested",
        verbose_name=_("requested by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders_owned",
        verbose_name=_("first-contact owner"),
        help_text=_("Whoever received the request answers for it until it closes (首问责任制)."),
    )
    housekeeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders_kept",
        verbose_name=_("housekeeper"),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders_assigned",
        verbose_name=_("technician"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    dispatch_due_at = models.DateTimeField(_("dispatch due by"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatch_late = models.BooleanField(_("dispatched late"), default=False)
    dispatch_alerted_at = models.DateTimeField(
        _("late-dispatch alert sent at"),
        null=True,
        blank=True,
        help_text=_("When the housekeeper and the office manager were told the dispatch promise was breached."),
    )
    arrival_due_at = models.DateTimeField(_("arrival due by"), null=True, blank=True)
    on_the_way_at = models.DateTimeField(_("on the way at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrival_late = models.BooleanField(_("arrived late"), default=False)
    arrival_alerted_at = models.DateTimeField(
        _("late-arrival alert sent at"),
        null=True,
        blank=True,
        help_text=_("When the housekeeper and the office manager were told the arrival window was breached."),
    )
    promised_at = models.DateTimeField(_("promised completion"))
    postponements = models.PositiveSmallIntegerField(_("postponements"), default=0)
    postpone_reason = models.CharField(_("reason for postponing"), max_length=300, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_late = models.BooleanField(_("finished after the promised time"), default=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    resolution = models.TextField(_("what was done"), max_length=2000, blank=True)
    complaint_valid = models.BooleanField(
        _("valid complaint"), null=True, blank=True, help_text=_("For complaints: was the office at fault?")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)

    charge_status = models.CharField(
        _("charge"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.NONE
    )
    charge_total = models.DecimalField(_("charge total"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    bill = models.ForeignKey(
        "billing.Bill", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bill")
    )
    charge_paid_at = models.DateTimeField(
        _("charge paid at"),
        null=True,
        blank=True,
        help_text=_("Set when the repair bill is paid in full, online or with the household's bills."),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["office", "status", "received_at"])]
        constraints = [
            # The same request may not be postponed twice.
            models.CheckConstraint(condition=Q(postponements__lte=1), name="workorders_postponed_at_most_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="workorders_rating_1_to_5"
            ),
            models.CheckConstraint(condition=Q(charge_total__gte=0), name="workorders_charge_not_negative"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(area="public"), name="workorders_home_needs_unit"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_public_repair(self) -> bool:
        return self.kind == self.Kind.REPAIR and self.area == self.Area.PUBLIC

    def dispatch_overdue(self, now: datetime.datetime | None = None) -> bool:
        """Breached the dispatch clock: dispatched late, or still waiting after the deadline."""
        now = now or timezone.now()
        return self.dispatch_late or (
            self.status == self.Status.NEW and self.dispatched_at is None and now > self.dispatch_due_at
        )

    def arrival_overdue(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        waiting = self.status in (self.Status.DISPATCHED, self.Status.ON_THE_WAY)
        return self.arrival_late or (waiting and self.arrival_due_at is not None and now > self.arrival_due_at)

    def promise_overdue(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.finished_late or (self.status in self.BEFORE_FINISH and now > self.promised_at)

    def overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.dispatch_overdue(now) or self.arrival_overdue(now) or self.promise_overdue(now)

    @property
    def charge_unpaid(self) -> bool:
        return self.bill_id is not None and self.charge_paid_at is None

    @property
    def where(self) -> str:
        if self.area == self.Area.PUBLIC:
            place = str(self.building) if self.building_id else str(self.office)
        else:
            place = str(self.unit) if self.unit_id else ""
        return f"{place} · {self.location}" if self.location else place


class WorkOrderPhoto(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("Reported")
        BEFORE = "before", _("Before the repair")
        AFTER = "after", _("After the repair")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("work order"))
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    image = models.FileField(_("photo"), upload_to="workorders/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work-order photo")
        verbose_name_plural = _("work-order photos")
        ordering = ["order", "stage", "pk"]

    def __str__(self):
        return f"{self.order} · {self.get_stage_display()}"


class OrderLine(models.Model):
    """Labour or material on a repair: materials used are recorded; chargeable lines make the price."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("work order"))
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("price-list item")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PriceItem.Kind.choices)
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    chargeable = models.BooleanField(_("charged to the household"), default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("labour or material")
        verbose_name_plural = _("labour and materials")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="workorders_line_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="workorders_line_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class WorkOrderEvent(AppendOnlyModel):
    """One step in a work order's history. Written once; the public ones are the resident's timeline."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ROUTED = "routed", _("Routed")
        REASSIGNED = "reassigned", _("Reassigned")
        STATUS = "status", _("Status changed")
        POSTPONED = "postponed", _("Postponed")
        CHARGE = "charge", _("Charge")
        RETURN_VISIT = "return_visit", _("Return visit")
        ESCALATED = "escalated", _("Escalated")
        BREACH = "breach", _("Promise breached")
        NOTE = "note", pgettext_lazy("work order step", "Note")

    append_only_refusal = "Work-order history cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events", verbose_name=_("work order"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    text = models.CharField(_("what happened"), max_length=300)
    note = models.CharField(_("note"), max_length=500, blank=True)
    public = models.BooleanField(_("shown to the resident"), default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["order", "at", "pk"]


class ReturnVisit(AppendOnlyModel):
    """A follow-up call or message after the work (回访), with what the resident said."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        MESSAGE = "message", _("Message")
        VISIT = "visit", _("In person")

    append_only_refusal = "Return visits cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("work order")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    satisfied = models.BooleanField(_("resident satisfied"))
    result = models.CharField(_("result"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["order", "at"]
