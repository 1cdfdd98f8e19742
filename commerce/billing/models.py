"""Charge items and their standards (收费项目与收费标准), per office.

A charge item says *what* is charged (property fee, water, parking…) and how it is measured; a
standard says *how much*, over a range of dates. Units normally pay the item's standard in effect;
a ``UnitStandardAssignment`` puts one unit on another standard of the same item for a while.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from portal.properties.models import Office, Unit
from portal.state_machine import TransitionsMixin

from . import formula


class ChargeItem(models.Model):
    class Kind(models.TextChoices):
        PER_AREA = "per_area", _("Per m² of floor area")
        FIXED_PER_UNIT = "fixed_per_unit", _("Fixed per unit")
        FIXED_PER_PARKING = "fixed_per_parking", _("Fixed per parking space")
        METERED = "metered", _("Metered (usage × price)")
        ONE_OFF = "one_off", _("One-off / temporary")

    class Cycle(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")
        ONCE = "once", _("Once")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="charge_items", verbose_name=_("office"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    measure_unit = models.CharField(
        _("unit of measure"), max_length=10, blank=True, help_text=_("For metered items, e.g. “m³” or “kWh”.")
    )
    cycle = models.CharField(_("billing cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("charge item")
        verbose_name_plural = _("charge items")
        ordering = ["office__name", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "code"], name="chargeitem_unique_code")]

    def __str__(self):
        return self.name


class ChargeStandard(ClusterableModel):
    item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="standards", verbose_name=_("charge item")
    )
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True, help_text=_("Empty: open-ended."))
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Per m², per unit, per parking space, per unit of usage, or the one-off amount."),
    )
    formula = models.TextField(
        _("formula"),
        blank=True,
        help_text=_(
            "Optional; replaces the unit price, e.g. “area * unit_price * months”. Variables: area, usage, floor, "
            "months, parking_spaces, unit_price. Functions: if, min, max, round, ceil, floor."
        ),
    )

    class Meta:
        verbose_name = _("charge standard")
        verbose_name_plural = _("charge standards")
        ordering = ["item__name", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="chargestandard_dates_in_order",
            )
        ]

    def __str__(self):
        return f"{self.item} · {self.name}"

    def clean(self):
        errors = period_order_errors(self)
        if self.formula.strip():
            try:
                formula.validate(self.formula)
            except formula.FormulaError as exc:
                errors["formula"] = exc.message
        elif self.unit_price is None and self.item_id and self.item.kind != ChargeItem.Kind.METERED:
            # Metered standards may price by tiers instead; the form checks those with its tier rows.
            errors["unit_price"] = _("Give a unit price or a formula.")
        if not errors and self.item_id and self.effective_from:
            overlapping = overlapping_with(self, ChargeStandard.objects.filter(item_id=self.item_id)).first()
            if overlapping:
                errors["effective_from"] = _("These dates overlap the standard “%(name)s” of the same item.") % {
                    "name": overlapping.name
                }
        if errors:
            raise ValidationError(errors)


def period_order_errors(row) -> dict:
    """The form error of a row whose [effective_from, effective_to] runs backwards, if it does."""
    if row.effective_to and row.effective_from and row.effective_to < row.effective_from:
        return {"effective_to": _("The end date is before the start date.")}
    return {}


def overlapping_with(row, queryset):
    """The other rows of ``queryset`` whose effective period meets ``row``'s."""
    return overlapping_ranges(queryset.exclude(pk=row.pk), row.effective_from, row.effective_to)


def overlapping_ranges(queryset, start, end):
    """Rows of ``queryset`` whose [effective_from, effective_to] range meets [start, end] (None: open)."""
    query = Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    if end is not None:
        query &= Q(effective_from__lte=end)
    return queryset.filter(query)


class StandardTier(models.Model):
    """One step of a tiered metered price: usage up to ``up_to`` (from the previous tier's limit)."""

    standard = ParentalKey(ChargeStandard, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("standard"))
    up_to = models.DecimalField(
        _("up to (usage)"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Empty for the last tier (everything above)."),
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["up_to"]  # the open last tier sorts first on SQLite; charges.py orders tiers itself

    def __str__(self):
        return f"≤ {self.up_to}: {self.unit_price}" if self.up_to is not None else f"> …: {self.unit_price}"


def check_tiers(limits: list[Decimal | None]) -> None:
    """Tier limits must rise strictly and only the last may be open; raises ``ValidationError``."""
    if not limits:
        return
    if limits[-1] is not None or any(limit is None for limit in limits[:-1]):
        raise ValidationError(_("Exactly the last tier has no upper limit (it takes everything above)."))
    bounded = limits[:-1]
    if any(a >= b for a, b in zip(bounded, bounded[1:], strict=False)):
        raise ValidationError(_("Tier limits must rise from one tier to the next."))


class UnitStandardAssignment(models.Model):
    """A unit that pays another standard of an item than the item's standard in effect."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="charge_assignments", verbose_name=_("unit"))
    item = models.ForeignKey(
        ChargeItem, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("charge item")
    )
    standard = models.ForeignKey(
        ChargeStandard, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("standard")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True, help_text=_("Empty: open-ended."))

    class Meta:
        verbose_name = _("unit standard assignment")
        verbose_name_plural = _("unit standard assignments")
        ordering = ["unit_id", "item_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="unitstandardassignment_dates_in_order",
            )
        ]

    def __str__(self):
        return f"{self.unit} · {self.standard}"

    def clean(self):
        errors = period_order_errors(self)
        if self.standard_id and self.item_id and self.standard.item_id != self.item_id:
            errors["standard"] = _("The standard belongs to another charge item.")
        if self.unit_id and self.item_id and self.unit.building.community.office_id != self.item.office_id:
            errors["unit"] = _("The unit is not in the charge item's office.")
        if not errors and self.unit_id and self.item_id and self.effective_from:
            others = UnitStandardAssignment.objects.filter(unit_id=self.unit_id, item_id=self.item_id)
            if overlapping_with(self, others).exists():
                errors["effective_from"] = _("The unit already has an assignment for this item on these dates.")
        if errors:
            raise ValidationError(errors)


class BillingRun(TransitionsMixin, models.Model):
    """One monthly billing run (月结) of one office: a bill per unit, each with one ledger posting."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("billing run status", "Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        VOIDED = "voided", _("Voided")

    # A failed run may be run again (it skips what it already billed); only a finished run is voided.
    TRANSITIONS = {
        Status.PENDING: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.FAILED: {Status.RUNNING},
        Status.DONE: {Status.VOIDED},
        Status.VOIDED: set(),
    }

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="billing_runs", verbose_name=_("office"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("units in total"), default=0)
    done = models.PositiveIntegerField(_("units done"), default=0)
    billed = models.PositiveIntegerField(_("units billed"), default=0)
    skipped = models.PositiveIntegerField(_("units skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_log = models.JSONField(_("error log"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "period_start"],
                condition=Q(status__in=["pending", "running"]),
                name="billingrun_one_active_per_office_and_period",
            )
        ]

    def __str__(self):
        return f"{self.office} {self.period_start:%Y-%m}"

    transition_refusal = _("A billing run cannot go from “%(old)s” to “%(new)s”.")

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class Bill(models.Model):
    """What one unit owes for one month; posted to the ledger once, voided only by a reversal."""

    class Payer(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        DEVELOPER = "developer", _("Developer (unsold unit)")

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        VOIDED = "voided", _("Voided")

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Monthly bill")
        ONE_OFF = "one_off", _("One-off charge")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERIODIC)
    run = models.ForeignKey(
        BillingRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("billing run"),
        help_text=_("Empty for a one-off charge."),
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bills", verbose_name=_("unit"))
    # The unit's office when the bill was issued: scoping and reports filter on it without joining the tree.
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="bills", verbose_name=_("office"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices, default=Payer.HOUSEHOLD)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    posting = models.ForeignKey(
        "ledger.Posting", on_delete=models.PROTECT, related_name="bills", verbose_name=_("ledger posting")
    )
    reversal = models.ForeignKey(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voided_bills",
        verbose_name=_("reversal posting"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # What another app charged: "<app>:<kind>:<id>" (clubhouse booking, service order...); empty for fees.
    source = models.CharField(_("charged for"), max_length=100, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charged by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period_start", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period_start"],
                condition=~Q(status="voided") & Q(kind="periodic"),
                name="bill_one_per_unit_and_period",
            ),
            models.CheckConstraint(
                condition=Q(kind="one_off") | Q(run__isnull=False), name="bill_periodic_bills_have_a_run"
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.ONE_OFF:
            return f"{self.unit} {self.period_start:%Y-%m-%d}"
        return f"{self.unit} {self.period_start:%Y-%m}"


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines", verbose_name=_("bill"))
    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("charge item"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    explanation = models.CharField(_("explanation"), max_length=500)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill_id", "id"]

    def __str__(self):
        return f"{self.item}: {self.amount}"
