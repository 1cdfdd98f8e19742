"""Late fees (滞纳金) and waivers/discounts (减免) of bills.

A bill's total never changes; what the household owes is the bill's total plus its adjustments minus
what was paid. Each adjustment has its own ledger posting: a late fee debits the household, a waiver
or discount is a red-letter posting that credits it. Adjustments are never edited: a late fee charged
by mistake is taken back by a late-fee waiver.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commerce.billing.models import Bill
from portal.properties.models import Office
from portal.state_machine import TransitionsMixin

MAX_DAILY_RATE = Decimal("0.01")


class LateFeePolicy(models.Model):
    """How one office charges late fees; an office without a policy charges none."""

    class Mode(models.TextChoices):
        NONE = "none", _("No late fees")
        DAILY_RATE = "daily_rate", _("Daily rate on the unpaid charges")

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="late_fee_policy", verbose_name=_("office")
    )
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.NONE)
    daily_rate = models.DecimalField(
        _("daily rate"),
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("A fraction per day: 0.0003 is 0.03% of the unpaid charges per day; at most 0.01 (1%)."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("days to pay"), default=15, help_text=_("A bill is due this many days after the end of its period.")
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), default=0, help_text=_("Days after the due date before late fees start.")
    )
    cap_percent = models.DecimalField(
        _("cap (percent of the charges)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Late fees of a bill stop at this share of its charges; empty: no cap."),
    )
    starts_on = models.DateField(
        _("charge late fees from"),
        default=timezone.localdate,
        help_text=_("No late fee is charged for days before this date, even on older bills."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("late-fee policy")
        verbose_name_plural = _("late-fee policies")
        ordering = ["office__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="none") | Q(daily_rate__gt=0, daily_rate__lte=MAX_DAILY_RATE),
                name="latefeepolicy_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(cap_percent__isnull=True) | Q(cap_percent__gt=0, cap_percent__lte=100),
                name="latefeepolicy_cap_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.office}: {self.get_mode_display()}"

    def clean(self):
        errors = {}
        if self.mode == self.Mode.DAILY_RATE:
            if self.daily_rate is None:
                errors["daily_rate"] = _("Give the daily rate.")
            elif not (0 < self.daily_rate <= MAX_DAILY_RATE):
                errors["daily_rate"] = _("The daily rate must be more than 0 and at most 0.01 (1% a day).")
        if self.cap_percent is not None and not (0 < self.cap_percent <= 100):
            errors["cap_percent"] = _("The cap must be more than 0% and at most 100% of the charges.")
        if errors:
            raise ValidationError(errors)

    @property
    def charges_late_fees(self) -> bool:
        return self.mode == self.Mode.DAILY_RATE and bool(self.daily_rate)

    def due_date(self, bill: Bill) -> datetime.date:
        return bill.period_end + datetime.timedelta(days=self.due_days)

    def first_fee_day(self, bill: Bill) -> datetime.date:
        """The first day a late fee is charged for: the day after the due date and the grace days."""
        return max(self.due_date(bill) + datetime.timedelta(days=self.grace_days + 1), self.starts_on)


class BillAdjustment(models.Model):
    """One late fee (one day), late-fee waiver, waiver or discount of a bill, with its ledger posting."""

    class Kind(models.TextChoices):
        LATE_FEE = "late_fee", _("Late fee")
        LATE_FEE_WAIVER = "late_fee_waiver", _("Late fee waived")
        WAIVER = "waiver", _("Waiver")
        DISCOUNT = "discount", _("Discount")
        CANCELLATION = "cancellation", _("Cancelled")

    PRINCIPAL_KINDS = (Kind.WAIVER, Kind.DISCOUNT, Kind.CANCELLATION)
    LATE_FEE_KINDS = (Kind.LATE_FEE, Kind.LATE_FEE_WAIVER)

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("bill"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, help_text=_("Late fees are positive; waivers are negative.")
    )
    accrual_date = models.DateField(_("for the day"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    posting = models.OneToOneField(
        "ledger.Posting", on_delete=models.PROTECT, related_name="bill_adjustment", verbose_name=_("ledger posting")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("bill adjustment")
        verbose_name_plural = _("bill adjustments")
        ordering = ["bill_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "accrual_date"],
                condition=Q(kind="late_fee"),
                name="billadjustment_one_late_fee_per_bill_and_day",
            ),
            models.CheckConstraint(
                condition=(Q(kind="late_fee", amount__gt=0, accrual_date__isnull=False))
                | (~Q(kind="late_fee") & Q(amount__lt=0)),
                name="billadjustment_sign_by_kind",
            ),
        ]

    def __str__(self):
        return f"{self.bill} {self.get_kind_display()}: {self.amount}"


class AdjustmentRequest(TransitionsMixin, models.Model):
    """A waiver or discount of a bill's charges asked for by staff, decided by an office manager."""

    class Kind(models.TextChoices):
        WAIVER = "waiver", _("Waiver")
        DISCOUNT = "discount", _("Discount")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.REQUESTED: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="adjustment_requests", verbose_name=_("bill"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, help_text=_("What comes off the bill (positive).")
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("When asked as a share of the bill's charges."),
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    adjustment = models.OneToOneField(
        BillAdjustment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("adjustment"),
    )

    class Meta:
        verbose_name = _("waiver request")
        verbose_name_plural = _("waiver requests")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="adjustmentrequest_amount_positive")]

    def __str__(self):
        return f"{self.bill} {self.get_kind_display()} {self.amount}"

    transition_refusal = _("A waiver request cannot go from “%(old)s” to “%(new)s”.")
