"""Bank collection (银行托收): households' bank mandates, batches sent to the bank, and their results.

A batch is exported as a CSV file with one line per household (what it owes, from which account);
the bank returns a result file saying which lines it collected. A collected line becomes a payment
of the line's bills; a failed one keeps the bank's reason. A household is in at most one batch
awaiting the bank's answer at a time (a partial unique index on lines still "sent").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.billing.models import Bill
from portal.properties.models import Office, Unit
from portal.state_machine import TransitionsMixin


def mask_account(number: str) -> str:
    digits = "".join(number.split())
    return f"**** {digits[-4:]}" if len(digits) > 4 else "****"


class BankMandate(models.Model):
    """A household's signed authorisation to collect its fees from a bank account."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bank_mandates", verbose_name=_("unit"))
    account_holder = models.CharField(_("account holder"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=40)
    account_display = models.CharField(_("account"), max_length=40, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bank mandate")
        verbose_name_plural = _("bank mandates")
        ordering = ["unit__building__community__name", "unit__building__name", "unit__number", "-active", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(active=True), name="collection_one_active_mandate"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.bank_name} {self.account_display}"

    def save(self, *args, **kwargs):
        self.account_number = "".join(self.account_number.split())
        self.account_display = mask_account(self.account_number)
        super().save(*args, **kwargs)


class CollectionBatch(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        EXPORTED = "exported", _("Exported, awaiting the bank")
        RESULT_IMPORTED = "result_imported", _("Result imported")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.EXPORTED: {Status.RESULT_IMPORTED},
        Status.RESULT_IMPORTED: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="collection_batches", verbose_name=_("office")
    )
    as_of = models.DateField(_("bills up to"), help_text=_("Bills of months starting on or before this date."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.EXPORTED)
    file_name = models.CharField(_("file name"), max_length=120)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_amount = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    result_file_name = models.CharField(_("result file"), max_length=200, blank=True)
    result_imported_at = models.DateTimeField(_("result imported at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collection batch")
        verbose_name_plural = _("collection batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name or f"#{self.pk}"

    transition_refusal = _("A collection batch cannot go from “%(old)s” to “%(new)s”.")


class CollectionLine(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent to the bank")
        PAID = "paid", _("Collected")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(
        CollectionBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("collection batch")
    )
    reference = models.CharField(_("line reference"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="collection_lines", verbose_name=_("unit"))
    mandate = models.ForeignKey(
        BankMandate, on_delete=models.PROTECT, related_name="lines", verbose_name=_("bank mandate")
    )
    # What was sent, as sent: the mandate may change later.
    account_holder = models.CharField(_("account holder"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=40)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    reference_text = models.CharField(_("reference text"), max_length=120)
    bills = models.ManyToManyField(Bill, related_name="collection_lines", verbose_name=_("bills"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    failure_reason = models.CharField(_("bank's reason"), max_length=300, blank=True)
    payment = models.OneToOneField(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection_line",
        verbose_name=_("payment"),
    )
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collection line")
        verbose_name_plural = _("collection lines")
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="sent"), name="collection_one_sent_line_per_unit"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="collection_line_amount_positive"),
        ]

    def __str__(self):
        return self.reference

    @property
    def account_display(self):
        return mask_account(self.account_number)
