"""Deposits (押金/保证金) a household leaves with the office, e.g. for a renovation, and their trail.

The money sits on the office's "deposits held" ledger account until it is refunded, forfeited, or
partly forfeited with the rest refunded. Every step is a ``DepositEvent`` with its ledger posting.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.properties.models import Office, Unit
from portal.state_machine import TransitionsMixin


class Deposit(TransitionsMixin, models.Model):
    class Kind(models.TextChoices):
        RENOVATION = "renovation", _("Renovation deposit")
        DECORATION = "decoration", _("Decoration deposit")
        KEY = "key", _("Key deposit")
        OTHER = "other", _("Other deposit")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        QR = "qr", _("QR code")

    class Status(models.TextChoices):
        HELD = "held", pgettext_lazy("deposit status", "Held")
        REFUNDED = "refunded", pgettext_lazy("deposit status", "Refunded")
        PARTLY_FORFEITED = "partly_forfeited", pgettext_lazy("deposit status", "Partly forfeited")
        FORFEITED = "forfeited", pgettext_lazy("deposit status", "Forfeited")

    TRANSITIONS = {
        Status.HELD: {Status.REFUNDED, Status.PARTLY_FORFEITED, Status.FORFEITED},
        Status.REFUNDED: set(),
        Status.PARTLY_FORFEITED: set(),
        Status.FORFEITED: set(),
    }

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("office"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("received by"), max_length=20, choices=Method.choices)
    receipt_number = models.CharField(_("receipt number"), max_length=60)
    payer_name = models.CharField(_("payer"), max_length=100)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.HELD)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=0)
    forfeited_amount = models.DecimalField(_("forfeited"), max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    created_at = models.DateTimeField(_("taken at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "receipt_number"], name="deposit_unique_receipt_per_office"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
        ]

    def __str__(self):
        return self.receipt_number or f"#{self.pk}"

    @property
    def held_amount(self):
        return self.amount - self.refunded_amount - self.forfeited_amount

    transition_refusal = _("This deposit is “%(old)s”, not held; it cannot become “%(new)s”.")


class DepositEvent(models.Model):
    """One step of a deposit's life, with the ledger posting it made. Never edited."""

    class Kind(models.TextChoices):
        TAKEN = "taken", pgettext_lazy("deposit event", "Taken")
        REFUNDED = "refunded", pgettext_lazy("deposit event", "Refunded")
        FORFEITED = "forfeited", pgettext_lazy("deposit event", "Forfeited")

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="events", verbose_name=_("deposit"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    posting = models.ForeignKey(
        "ledger.Posting", on_delete=models.PROTECT, related_name="+", verbose_name=_("ledger posting")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deposit event")
        verbose_name_plural = _("deposit events")
        ordering = ["deposit_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deposit", "kind"], name="deposit_event_once_per_kind"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_event_amount_positive"),
        ]

    def __str__(self):
        return f"{self.deposit} {self.get_kind_display()} {self.amount}"
