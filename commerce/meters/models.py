"""Meters (水表/电表), their readings, and shared-meter apportionment (公摊).

A unit meter measures one unit's usage of one metered charge item. A shared (master) meter
measures a whole building or pipe; its sub-meters are unit meters. What the master measured beyond
the sum of its sub-meters is the loss (公摊量), split across the sub-meters' units by floor area
or by usage and billed to them as a share line.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.billing.models import BillLine, ChargeItem
from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Office, Unit
from portal.state_machine import TransitionsMixin

DEFAULT_ABNORMAL_FACTOR = Decimal("3")
DEFAULT_AVERAGE_OVER = 6


class MeterSettings(models.Model):
    """How an office flags abnormal readings; an office without a row uses the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="meter_settings", verbose_name=_("office")
    )
    abnormal_factor = models.DecimalField(
        _("abnormal usage factor"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_ABNORMAL_FACTOR,
        validators=[MinValueValidator(Decimal("1.01"))],
        help_text=_("A reading whose usage is more than this many times the usual usage is held for confirmation."),
    )
    average_over = models.PositiveSmallIntegerField(
        _("readings averaged"),
        default=DEFAULT_AVERAGE_OVER,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("How many earlier readings give the usual usage."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("meter settings")
        verbose_name_plural = _("meter settings")

    def __str__(self):
        return str(self.office)


class Meter(models.Model):
    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit meter")
        SHARED = "shared", _("Shared (master) meter")

    class Key(models.TextChoices):
        AREA = "area", _("By floor area")
        USAGE = "usage", _("By usage")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="meters", verbose_name=_("office"))
    code = models.CharField(_("meter code"), max_length=40, help_text=_("The number on the meter, e.g. “W-3-1101”."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.UNIT)
    charge_item = models.ForeignKey(
        ChargeItem,
        on_delete=models.PROTECT,
        related_name="meters",
        limit_choices_to={"kind": ChargeItem.Kind.METERED},
        verbose_name=_("charge item"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
        verbose_name=_("unit"),
        help_text=_("The unit a unit meter measures; empty for a shared meter."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_meters",
        limit_choices_to={"kind": "shared"},
        verbose_name=_("shared meter"),
        help_text=_("The shared (master) meter this unit meter sits under, if any."),
    )
    apportion_by = models.CharField(
        _("apportionment key"),
        max_length=10,
        choices=Key.choices,
        default=Key.AREA,
        help_text=_("Shared meters: how the loss (公摊) is split across the sub-meters' units."),
    )
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=9,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Usage = difference of readings × multiplier (e.g. a current transformer ratio)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["office__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="meter_unique_code_per_office"),
            models.CheckConstraint(
                condition=Q(kind="shared", unit__isnull=True, parent__isnull=True) | Q(kind="unit", unit__isnull=False),
                name="meter_kind_matches_unit",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def is_shared(self) -> bool:
        return self.kind == self.Kind.SHARED

    def clean(self):
        errors = {}
        if self.kind == self.Kind.UNIT and not self.unit_id:
            errors["unit"] = _("A unit meter needs its unit.")
        if self.kind == self.Kind.SHARED:
            if self.unit_id:
                errors["unit"] = _("A shared meter belongs to no single unit; leave the unit empty.")
            if self.parent_id:
                errors["parent"] = _("A shared meter cannot sit under another shared meter.")
        office_id = self.office_id
        if office_id and self.unit_id and self.unit.building.community.office_id != office_id:
            errors["unit"] = _("The unit is not in the meter's office.")
        if self.charge_item_id:
            if self.charge_item.kind != ChargeItem.Kind.METERED:
                errors["charge_item"] = _("Choose a metered charge item.")
            elif office_id and self.charge_item.office_id != office_id:
                errors["charge_item"] = _("The charge item belongs to another office.")
        if self.parent_id:
            parent = self.parent
            if parent.kind != self.Kind.SHARED:
                errors["parent"] = _("Sub-meters sit under a shared meter.")
            elif parent.office_id != office_id or parent.charge_item_id != self.charge_item_id:
                errors["parent"] = _("The shared meter must be of the same office and charge item.")
        if self.pk and self.kind == self.Kind.UNIT and self.sub_meters.exists():
            errors["kind"] = _("This meter has sub-meters, so it stays a shared meter.")
        if errors:
            raise ValidationError(errors)


class MeterReading(TransitionsMixin, models.Model):
    """One reading of one meter on one date, with the usage since the meter's previous reading."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        HELD = "held", _("Held for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Imported")

    # Held (abnormal) readings wait for staff; accepted and confirmed ones are billed.
    TRANSITIONS = {
        Status.ACCEPTED: set(),
        Status.HELD: {Status.CONFIRMED, Status.REJECTED},
        Status.CONFIRMED: set(),
        Status.REJECTED: set(),
    }
    BILLABLE = (Status.ACCEPTED, Status.CONFIRMED)
    LIVE = (Status.ACCEPTED, Status.CONFIRMED, Status.HELD)

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("meter"))
    date = models.DateField(_("reading date"))
    value = models.DecimalField(
        _("reading"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    previous_value = models.DecimalField(_("previous reading"), max_digits=12, decimal_places=3, null=True, blank=True)
    previous_date = models.DateField(_("previous reading date"), null=True, blank=True)
    usage = models.DecimalField(
        _("usage"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("(reading − previous reading) × multiplier; empty for a meter's first reading."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    flag_reason = models.CharField(_("why it is held"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or rejected by"),
    )
    decided_at = models.DateTimeField(_("confirmed or rejected at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["meter_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "date"], condition=~Q(status="rejected"), name="meterreading_one_per_meter_and_date"
            ),
        ]
        indexes = [models.Index(fields=["meter", "status", "date"])]

    def __str__(self):
        return f"{self.meter} {self.date}: {self.value}"

    transition_refusal = _("A reading cannot go from “%(old)s” to “%(new)s”.")


class Apportionment(models.Model):
    """The loss of one shared meter over one billing month and how it was split (kept for residents)."""

    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, related_name="apportionments", verbose_name=_("shared meter")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    key = models.CharField(_("apportionment key"), max_length=10, choices=Meter.Key.choices)
    master_from_reading = models.ForeignKey(
        "MeterReading", on_delete=models.PROTECT, related_name="+", verbose_name=_("master reading at start")
    )
    master_to_reading = models.ForeignKey(
        "MeterReading", on_delete=models.PROTECT, related_name="+", verbose_name=_("master reading at end")
    )
    master_usage = models.DecimalField(_("master usage"), max_digits=14, decimal_places=3)
    sub_total = models.DecimalField(_("sum of sub-meters"), max_digits=14, decimal_places=3)
    loss = models.DecimalField(_("loss (公摊量)"), max_digits=14, decimal_places=3)
    key_total = models.DecimalField(_("sum of the key"), max_digits=14, decimal_places=3)
    superseded = models.BooleanField(_("superseded"), default=False)
    created_at = models.DateTimeField(_("calculated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("apportionment")
        verbose_name_plural = _("apportionments")
        ordering = ["-period_start", "meter_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "period_start"],
                condition=Q(superseded=False),
                name="apportionment_one_per_meter_and_period",
            )
        ]

    def __str__(self):
        return f"{self.meter} {self.period_start:%Y-%m}"


class ApportionmentShare(models.Model):
    apportionment = models.ForeignKey(
        Apportionment, on_delete=models.CASCADE, related_name="shares", verbose_name=_("apportionment")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    key_value = models.DecimalField(_("key value"), max_digits=14, decimal_places=3)
    sub_usage = models.DecimalField(_("sub-meter usage"), max_digits=14, decimal_places=3)
    quantity = models.DecimalField(_("share"), max_digits=14, decimal_places=3)

    class Meta:
        verbose_name = _("apportionment share")
        verbose_name_plural = _("apportionment shares")
        ordering = ["apportionment_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["apportionment", "unit"], name="apportionmentshare_one_per_unit")
        ]

    def __str__(self):
        return f"{self.unit}: {self.quantity}"


class MeterBillLine(models.Model):
    """Where a metered bill line came from: the two readings it spans, or a shared-meter share."""

    # A line usually has one source; a meter replaced during the month gives its line two (old and new meter).
    bill_line = models.ForeignKey(
        BillLine, on_delete=models.CASCADE, related_name="meter_sources", verbose_name=_("bill line")
    )
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="+", verbose_name=_("meter"))
    from_reading = models.ForeignKey(
        MeterReading, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_reading = models.ForeignKey(
        MeterReading, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to")
    )
    share = models.ForeignKey(
        ApportionmentShare,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill_lines",
        verbose_name=_("apportionment share"),
    )
    correction = models.ForeignKey(
        "UsageCorrection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill_lines",
        verbose_name=_("usage correction"),
    )

    class Meta:
        verbose_name = _("metered bill line")
        verbose_name_plural = _("metered bill lines")

    def __str__(self):
        return f"{self.meter} → {self.bill_line_id}"


class ReadingCorrection(AppendOnlyModel):
    """A billable reading's value corrected by staff, with the reason: the history of the reading's value.

    The reading row carries the corrected value from then on; the posted bills stay as they are and
    the usage difference of each bill that counted the reading is billed on a later run
    (``UsageCorrection``).
    """

    append_only_refusal = "Reading corrections are history: they cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    reading = models.ForeignKey(
        MeterReading, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("reading")
    )
    old_value = models.DecimalField(_("old reading"), max_digits=12, decimal_places=3)
    new_value = models.DecimalField(_("new reading"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reading correction")
        verbose_name_plural = _("reading corrections")
        ordering = ["-corrected_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(old_value=models.F("new_value")), name="readingcorrection_changes"),
            models.CheckConstraint(condition=~Q(reason=""), name="readingcorrection_has_reason"),
        ]

    def __str__(self):
        return f"{self.reading}: {self.old_value} → {self.new_value}"


class UsageCorrection(AppendOnlyModel):
    """What one posted bill line should have charged after a reading correction, and the difference.

    The difference (``amount``: positive to charge, negative to credit) is billed on the unit's next
    monthly bills as correction lines (``MeterBillLine.correction``); a credit larger than the metered
    charges of a bill is spread over the following bills, so no bill goes below zero because of it.
    """

    append_only_refusal = "Usage corrections are history: they cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    correction = models.ForeignKey(
        ReadingCorrection, on_delete=models.PROTECT, related_name="usage_corrections", verbose_name=_("correction")
    )
    bill_line = models.ForeignKey(
        BillLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("corrected bill line")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("charge item"))
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="+", verbose_name=_("meter"))
    period_start = models.DateField(_("month corrected"))
    usage_before = models.DecimalField(_("usage billed"), max_digits=14, decimal_places=3)
    usage_after = models.DecimalField(_("corrected usage"), max_digits=14, decimal_places=3)
    amount_before = models.DecimalField(_("amount billed"), max_digits=14, decimal_places=2)
    amount_after = models.DecimalField(_("corrected amount"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("difference"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage correction")
        verbose_name_plural = _("usage corrections")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("amount_after") - models.F("amount_before")),
                name="usagecorrection_amount_is_the_difference",
            ),
        ]
        indexes = [models.Index(fields=["unit", "item"])]

    def __str__(self):
        return f"{self.unit} {self.period_start:%Y-%m}: {self.amount}"

    @property
    def usage_delta(self):
        return self.usage_after - self.usage_before


class MeterReplacement(AppendOnlyModel):
    """A meter swapped for a new one: the old meter's final reading and the new meter's start reading.

    Usage across the swap is (old final − old last billed) + (new reading − new start); sub-meters of
    a replaced shared meter move to the new one.
    """

    append_only_refusal = "Meter replacements are history: they cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    old_meter = models.OneToOneField(
        Meter, on_delete=models.PROTECT, related_name="replacement", verbose_name=_("old meter")
    )
    new_meter = models.OneToOneField(
        Meter, on_delete=models.PROTECT, related_name="replaced", verbose_name=_("new meter")
    )
    date = models.DateField(_("replaced on"))
    final_reading = models.OneToOneField(
        MeterReading, on_delete=models.PROTECT, related_name="+", verbose_name=_("old meter's final reading")
    )
    start_reading = models.OneToOneField(
        MeterReading, on_delete=models.PROTECT, related_name="+", verbose_name=_("new meter's start reading")
    )
    moved_sub_meters = models.JSONField(_("sub-meters moved"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaced by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meter replacement")
        verbose_name_plural = _("meter replacements")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.old_meter} → {self.new_meter} ({self.date})"
