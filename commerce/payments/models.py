"""Payments of households: online through a gateway, or taken at the front desk.

A payment credits the household's ledger account once it succeeds; its allocations record which
bills it settled. What a bill still owes is derived from the allocations (see ``services.outstanding``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commerce.billing.models import Bill
from portal.properties.models import Office, Unit
from portal.state_machine import TransitionsMixin


class Payment(TransitionsMixin, models.Model):
    class Method(models.TextChoices):
        ONLINE = "online", _("Online")
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        QR = "qr", _("QR code")
        BANK_COLLECTION = "bank_collection", _("Bank collection")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", pgettext_lazy("payment status", "Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Desk payments succeed at once; online ones wait at the gateway (pending), asynchronous
    # methods may stay pending until the provider confirms.
    TRANSITIONS = {
        Status.CREATED: {Status.PENDING, Status.SUCCEEDED, Status.FAILED, Status.CANCELLED},
        Status.PENDING: {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED},
        Status.SUCCEEDED: set(),
        Status.FAILED: set(),
        Status.CANCELLED: set(),
    }
    OPEN = (Status.CREATED, Status.PENDING)

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="payments", verbose_name=_("office"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="payments", verbose_name=_("unit"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    gateway = models.CharField(_("gateway"), max_length=30, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    # The provider's id of the money movement (Stripe: the PaymentIntent), to match refunds made outside Linli.
    provider_payment_id = models.CharField(_("provider payment id"), max_length=200, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    is_prepayment = models.BooleanField(
        _("prepayment"), default=False, help_text=_("Taken on purpose beyond what is due.")
    )
    # The bills the payer chose; the allocations say what the payment actually settled.
    requested_bills = models.ManyToManyField(
        Bill, blank=True, related_name="requested_payments", verbose_name=_("bills chosen")
    )
    prepaid_amount = models.DecimalField(
        _("paid ahead"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("The part of the amount left as prepayment after the bills were settled."),
    )
    receipt_number = models.CharField(_("receipt number"), max_length=60, blank=True)
    posting = models.ForeignKey(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("ledger posting"),
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    succeeded_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="payment_unique_receipt_per_office",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return self.receipt_number or f"#{self.pk}"

    transition_refusal = _("A payment cannot go from “%(old)s” to “%(new)s”.")


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("payment")
    )
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("bill"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["payment_id", "bill__period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_once_per_bill"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self):
        return f"{self.payment} → {self.bill}: {self.amount}"


class ReceiptCounter(models.Model):
    """The last receipt number given out by one office in one year; locked while taking the next."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="receipt_counter_per_office_year")]

    def __str__(self):
        return f"{self.office} {self.year}: {self.last}"


class Refund(TransitionsMixin, models.Model):
    """Money given back from a succeeded payment; it counts once it succeeded (see ``refunds.py``)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("refund status", "Requested")
        PENDING = "pending", pgettext_lazy("refund status", "Pending")
        SUCCEEDED = "succeeded", pgettext_lazy("refund status", "Refunded")
        FAILED = "failed", pgettext_lazy("refund status", "Failed")
        REVERSED = "reversed", pgettext_lazy("refund status", "Failed after refunding")

    # Desk refunds succeed at once; online ones wait (pending) until the provider confirms them. A
    # provider may still fail a refund it reported as succeeded (the card was closed): it is reversed.
    TRANSITIONS = {
        Status.REQUESTED: {Status.PENDING, Status.SUCCEEDED, Status.FAILED},
        Status.PENDING: {Status.SUCCEEDED, Status.FAILED},
        Status.SUCCEEDED: {Status.REVERSED},
        Status.REVERSED: set(),
        Status.FAILED: set(),
    }
    OPEN = (Status.REQUESTED, Status.PENDING)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    # A refund for one cancelled charge takes the money back from that bill only.
    for_bill = models.ForeignKey(
        "billing.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for the bill"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    from_prepayment = models.DecimalField(
        _("from prepayment"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("The part of the refund taken from the payment's unapplied prepayment."),
    )
    posting = models.ForeignKey(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("ledger posting"),
    )
    reversal = models.ForeignKey(
        "ledger.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_refunds",
        verbose_name=_("reversal posting"),
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
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"{self.payment} ↩ {self.amount}"

    transition_refusal = _("A refund cannot go from “%(old)s” to “%(new)s”.")


class RefundAllocation(models.Model):
    """What a succeeded refund took back from one bill the payment had settled: the bill owes it again."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("refund"))
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="refund_allocations", verbose_name=_("bill"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("refund allocation")
        verbose_name_plural = _("refund allocations")
        ordering = ["refund_id", "-bill__period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["refund", "bill"], name="refund_allocation_once_per_bill"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_allocation_amount_positive"),
        ]

    def __str__(self):
        return f"{self.refund} ← {self.bill}: {self.amount}"


class ProviderEvent(models.Model):
    """A webhook event from a payment provider, stored once per provider event id."""

    gateway = models.CharField(_("gateway"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    payload = models.JSONField(_("payload"))
    result = models.CharField(_("result"), max_length=300, blank=True)
    # The office of the payment the event was about, once known: staff see their offices' events.
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="provider_event_once")]

    def __str__(self):
        return f"{self.gateway} {self.type} {self.event_id}"
