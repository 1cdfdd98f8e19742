"""The clubhouse (会所): facilities booked by slot, desk check-in, extras, and training classes (培训班).

A facility belongs to one community and is open in weekly hours cut into slots of a fixed length.
A slot row exists once somebody books it; it carries the places taken and a CHECK that they never
pass its capacity, and bookings lock it (``select_for_update``) so concurrent requests cannot
overbook. Exclusive facilities (a function room) take the whole slot per booking; shared ones (a
gym) take one place per person.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from commerce.billing.models import Bill
from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Community, Office, Unit
from portal.state_machine import TransitionsMixin

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ClubhouseSettings(models.Model):
    """How an office treats no-shows; an office without a row uses the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="clubhouse_settings", verbose_name=_("office")
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows before suspension"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("A household that misses this many bookings within the window below is suspended."),
    )
    no_show_window_days = models.PositiveSmallIntegerField(
        _("no-show window (days)"), default=60, validators=[MinValueValidator(1)]
    )
    suspension_days = models.PositiveSmallIntegerField(
        _("suspension (days)"), default=30, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("clubhouse settings")
        verbose_name_plural = _("clubhouse settings")

    def __str__(self):
        return str(self.office)


class Facility(ClusterableModel):
    class Kind(models.TextChoices):
        FUNCTION_ROOM = "function_room", _("Function room")
        GYM = "gym", _("Gym")
        POOL = "pool", _("Swimming pool")
        TENNIS = "tennis", _("Tennis court")
        BADMINTON = "badminton", _("Badminton court")
        STUDY = "study", _("Study room")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(720)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Places per slot (people). An exclusive facility still limits how many people a booking brings."),
    )
    exclusive = models.BooleanField(
        _("exclusive use"),
        default=False,
        help_text=_(
            "One booking takes the whole slot (a function room, a court); otherwise each person takes a place."
        ),
    )
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Per slot for exclusive use, per person and slot for shared use; 0 is free."),
    )
    deposit = models.DecimalField(
        _("deposit"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Collected with each booking (online or on the household account) and held until the desk "
            "returns it after use, or keeps part of it for damage; 0 means none."
        ),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=14,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("How many days ahead residents may book."),
    )
    weekly_limit = models.PositiveSmallIntegerField(
        _("bookings per household per week"), default=3, help_text=_("0 means no limit.")
    )
    cancel_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"),
        default=24,
        help_text=_("Cancelling earlier refunds in full; later refunds the share below."),
    )
    late_refund_percent = models.PositiveSmallIntegerField(
        _("refund after the deadline (percent)"), default=50, validators=[MaxValueValidator(100)]
    )
    non_residents = models.BooleanField(
        _("open to other communities"),
        default=False,
        help_text=_("Residents of the office's other communities may book too."),
    )
    rules_text = models.TextField(_("house rules"), blank=True)
    active = models.BooleanField(_("bookable"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["community__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="facility_unique_name_per_community"),
            models.CheckConstraint(condition=Q(price__gte=0) & Q(deposit__gte=0), name="facility_price_not_negative"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="facility_capacity_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def office(self):
        return self.community.office

    def is_free(self) -> bool:
        return self.price == 0


class OpeningHours(models.Model):
    facility = ParentalKey(Facility, on_delete=models.CASCADE, related_name="hours", verbose_name=_("facility"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="openinghours_closes_after")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("It must close after it opens.")})


class Closure(models.Model):
    """A time the facility is shut (a holiday, maintenance), announced to residents on its calendar."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="closures", verbose_name=_("facility")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="closure_ends_after")]

    def __str__(self):
        return f"{self.facility}: {self.reason}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A closure must end after it starts.")})


class Slot(models.Model):
    """One bookable period of a facility; the row the bookings lock. ``taken`` never passes ``capacity``."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="slots", verbose_name=_("facility"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    taken = models.PositiveSmallIntegerField(_("places taken"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "starts_at"], name="slot_one_per_facility_and_start"),
            models.CheckConstraint(condition=Q(taken__lte=F("capacity")), name="slot_never_overbooked"),
        ]

    def __str__(self):
        return f"{self.facility} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


class PaymentMethod(models.TextChoices):
    FREE = "free", _("Free")
    HOUSEHOLD = "household", _("Charged to the household account")
    ONLINE = "online", _("Paid online")


class Booking(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING: {Status.CONFIRMED, Status.CANCELLED},
        Status.CONFIRMED: {Status.CHECKED_IN, Status.NO_SHOW, Status.CANCELLED},
        Status.CHECKED_IN: set(),
        Status.NO_SHOW: set(),
        Status.CANCELLED: set(),
    }
    HOLDING = (Status.PENDING, Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW)
    transition_refusal = _("A booking cannot go from “%(old)s” to “%(new)s”.")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot"))
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("facility")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="clubhouse_bookings", verbose_name=_("unit"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="clubhouse_bookings",
        verbose_name=_("booked by"),
    )
    people = models.PositiveSmallIntegerField(_("people"), validators=[MinValueValidator(1)])
    places = models.PositiveSmallIntegerField(_("places held"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    payment_method = models.CharField(_("payment"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bill")
    )
    refunded = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    from_waitlist = models.BooleanField(_("from the waitlist"), default=False)
    by_staff = models.BooleanField(_("booked at the desk"), default=False)
    override_reason = models.CharField(
        _("rules overridden because"),
        max_length=300,
        blank=True,
        help_text=_("Why the desk booked past a rule (horizon, weekly limit, suspension, other community)."),
    )
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(people__gte=1) & Q(places__gte=1), name="booking_people_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(refunded__gte=0), name="booking_money_not_negative"),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return f"#{self.pk} {self.slot}"

    @property
    def reference(self) -> str:
        return f"CH-{self.pk:06d}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CONFIRMED)


class BookingEvent(AppendOnlyModel):
    """What happened to a booking, in order; never edited."""

    append_only_refusal = "Booking history cannot be edited."
    objects = append_only_manager(append_only_refusal)

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events", verbose_name=_("booking"))
    status = models.CharField(_("status"), max_length=12, choices=Booking.Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["at", "pk"]


class BookingDeposit(TransitionsMixin, models.Model):
    """The deposit of one booking: billed with it, credited to the office's "deposits held" ledger account,
    and returned after use, or kept in part or in full (damage) with a reason."""

    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("deposit status", "Held")
        RETURNED = "returned", _("Returned")
        PARTLY_KEPT = "partly_kept", _("Partly kept")
        KEPT = "kept", _("Kept")

    TRANSITIONS = {
        Status.HELD: {Status.RETURNED, Status.PARTLY_KEPT, Status.KEPT},
        Status.RETURNED: set(),
        Status.PARTLY_KEPT: set(),
        Status.KEPT: set(),
    }
    transition_refusal = _("This deposit is “%(old)s”; it cannot become “%(new)s”.")

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="deposit", verbose_name=_("booking"))
    amount = models.DecimalField(_("deposit"), max_digits=10, decimal_places=2)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+", verbose_name=_("bill"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HELD)
    kept = models.DecimalField(_("kept"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    forfeit_posting = models.ForeignKey(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger posting of the part kept"),
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking deposit")
        verbose_name_plural = _("booking deposits")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(kept__gte=0) & Q(kept__lte=F("amount")), name="booking_deposit_amounts"
            )
        ]

    def __str__(self):
        return f"{self.booking} {self.amount}"

    @property
    def returned(self) -> Decimal:
        return self.amount - self.kept if self.status != self.Status.HELD else Decimal("0.00")


class WaitingBase(TransitionsMixin, models.Model):
    """A household queued for a full slot or class: the first in line gets the place that frees up."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        PROMOTED = "promoted", _("Got a place")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LAPSED = "lapsed", _("Lapsed")

    TRANSITIONS = {
        Status.WAITING: {Status.PROMOTED, Status.WITHDRAWN, Status.LAPSED},
        Status.PROMOTED: set(),
        Status.WITHDRAWN: set(),
        Status.LAPSED: set(),
    }

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    payment_method = models.CharField(_("payment"), max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        abstract = True


class WaitlistEntry(WaitingBase):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("slot"))
    people = models.PositiveSmallIntegerField(_("people"), validators=[MinValueValidator(1)])
    booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
        verbose_name=_("booking"),
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "unit"], condition=Q(status="waiting"), name="waitlist_one_per_household_and_slot"
            )
        ]

    def __str__(self):
        return f"{self.slot} ← {self.unit}"


class Suspension(models.Model):
    """A household may not book the office's facilities until ``until`` (after repeated no-shows)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    until = models.DateField(_("suspended until"))
    reason = models.CharField(_("reason"), max_length=300)
    lifted = models.BooleanField(_("lifted"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking suspension")
        verbose_name_plural = _("booking suspensions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.unit} → {self.until}"


class Extra(models.Model):
    """Something consumed at the clubhouse (drinks, equipment rental) charged to a household."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="extras", verbose_name=_("booking")
    )
    description = models.CharField(_("what"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+", verbose_name=_("bill"))
    request_key = models.CharField(_("request key"), max_length=64, unique=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extra consumption")
        verbose_name_plural = _("extra consumption")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="extra_amount_positive")]

    def __str__(self):
        return self.description


# --- training classes (培训班) --------------------------------------------------------------


class Teacher(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login"),
    )

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TrainingClass(ClusterableModel):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="training_classes", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="classes", verbose_name=_("teacher"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    enrolled = models.PositiveSmallIntegerField(_("enrolled"), default=0, editable=False)
    fee = models.DecimalField(
        _("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    teacher_percent = models.DecimalField(
        _("teacher's share (percent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The part of each fee paid out to the teacher; the company keeps the rest."),
    )
    open_for_enrolment = models.BooleanField(_("open for enrolment"), default=True)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["community__name", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(enrolled__lte=F("capacity")), name="class_never_overbooked"),
            models.CheckConstraint(
                condition=Q(teacher_percent__gte=0) & Q(teacher_percent__lte=100), name="class_teacher_percent_range"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def free(self) -> int:
        return max(self.capacity - self.enrolled, 0)

    def clean(self):
        if self.teacher_id and self.community_id and self.teacher.office_id != self.community.office_id:
            raise ValidationError({"teacher": _("The teacher works for another office.")})


class ClassSession(models.Model):
    training_class = ParentalKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("class")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("where"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after")]

    def __str__(self):
        return f"{self.training_class} {self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        ENROLLED = "enrolled", _("Enrolled")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING: {Status.ENROLLED, Status.CANCELLED},
        Status.ENROLLED: {Status.CANCELLED},
        Status.CANCELLED: set(),
    }
    transition_refusal = _("An enrolment cannot go from “%(old)s” to “%(new)s”.")

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    student = models.CharField(_("student"), max_length=100, help_text=_("Who attends (e.g. a child)."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    payment_method = models.CharField(_("payment"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bill")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    from_waitlist = models.BooleanField(_("from the waitlist"), default=False)
    payout = models.ForeignKey(
        "TeacherPayout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("teacher payout"),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "unit", "student"],
                condition=~Q(status="cancelled"),
                name="enrolment_once_per_student",
            )
        ]

    def __str__(self):
        return f"{self.student} → {self.training_class}"


class EnrolmentEvent(AppendOnlyModel):
    append_only_refusal = "Enrolment history cannot be edited."
    objects = append_only_manager(append_only_refusal)

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="events", verbose_name=_("enrolment")
    )
    status = models.CharField(_("status"), max_length=10, choices=Enrolment.Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment event")
        verbose_name_plural = _("enrolment events")
        ordering = ["at", "pk"]


class ClassWaitlistEntry(WaitingBase):
    """A student queued for a full class; a withdrawal gives the place to the first in line."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("class")
    )
    student = models.CharField(_("student"), max_length=100)
    enrolment = models.OneToOneField(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
        verbose_name=_("enrolment"),
    )

    class Meta:
        verbose_name = _("class waitlist entry")
        verbose_name_plural = _("class waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "unit", "student"],
                condition=Q(status="waiting"),
                name="class_waitlist_once_per_student",
            )
        ]

    def __str__(self):
        return f"{self.student} ← {self.training_class}"


class TeacherPayout(TransitionsMixin, models.Model):
    """A teacher's share of the class fees of a period: posted to the office's "teacher payable" ledger account
    when it is worked out, and paid (a second posting) when the office pays the teacher."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")

    TRANSITIONS = {Status.DUE: {Status.PAID}, Status.PAID: set()}
    transition_refusal = _("This payout is “%(old)s”; it cannot become “%(new)s”.")

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("teacher"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    gross = models.DecimalField(_("class fees"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("teacher's share"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DUE)
    posting = models.OneToOneField(
        "ledger.Posting", on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger posting")
    )
    payment_posting = models.OneToOneField(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment posting"),
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("posted by")
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid by"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("teacher payout")
        verbose_name_plural = _("teacher payouts")
        ordering = ["-period_end", "teacher__name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(gross__gte=0), name="payout_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="payout_period_order"),
        ]

    def __str__(self):
        return f"{self.teacher} {self.period_start}–{self.period_end}"

    @property
    def reference(self) -> str:
        return f"TP-{self.pk:05d}"


class Attendance(models.Model):
    session = models.ForeignKey(
        ClassSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("enrolment")
    )
    present = models.BooleanField(_("present"), default=False)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session")]

    def __str__(self):
        return f"{self.enrolment} @ {self.session}"
