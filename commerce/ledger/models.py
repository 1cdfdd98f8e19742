"""The double-entry ledger: accounts, postings and their entries.

Sign convention: an entry's ``amount`` is signed, **debit positive, credit negative**, so every
posting's entries sum to zero and an account's balance is the plain SUM of its entries. A
household account is a receivable: a positive balance means the household owes, a negative one
means it has paid ahead.

Postings and entries are append-only (refused here, and by database triggers): corrections and
waivers are reversing ("red-letter") postings. Accounts are reference data and may be renamed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyError, AppendOnlyModel, append_only_manager

__all__ = ["Account", "AccountKind", "AppendOnlyError", "Entry", "Posting"]


class AccountKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    CASH = "cash", _("Cash")
    STRIPE_CLEARING = "stripe_clearing", _("Stripe clearing")
    PREPAYMENT = "prepayment", _("Prepayments")
    DEPOSITS_HELD = "deposits_held", _("Deposits held")
    INCOME = "income", _("Income")
    PLATFORM_COMMISSION = "platform_commission", _("Platform commission")
    MERCHANT_PAYABLE = "merchant_payable", _("Merchant payable")
    TEACHER_PAYABLE = "teacher_payable", _("Teacher payable")
    DEVELOPER = "developer", _("Developer")


class Account(models.Model):
    company = models.ForeignKey(
        "properties.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=AccountKind.choices)
    unit = models.ForeignKey(
        "properties.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("unit"),
    )
    office = models.ForeignKey(
        "properties.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    charge_code = models.CharField(_("charge item code"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["company_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], name="ledger_one_account_per_unit"),
            models.CheckConstraint(
                condition=Q(kind="household", unit__isnull=False) | (~Q(kind="household") & Q(unit__isnull=True)),
                name="ledger_unit_iff_household",
            ),
            # The code tells income apart per charge item, and merchant payable per merchant ("merchant:<id>").
            models.CheckConstraint(
                condition=Q(kind__in=["income", "merchant_payable"]) | Q(charge_code=""),
                name="ledger_charge_code_only_for_income",
            ),
            # System accounts: one per company (or office), kind and charge item. NULL offices are
            # distinct in a unique index, hence two conditional constraints.
            models.UniqueConstraint(
                fields=["company", "kind", "charge_code"],
                condition=Q(unit__isnull=True, office__isnull=True),
                name="ledger_one_company_account",
            ),
            models.UniqueConstraint(
                fields=["company", "office", "kind", "charge_code"],
                condition=Q(unit__isnull=True, office__isnull=False),
                name="ledger_one_office_account",
            ),
        ]

    def __str__(self):
        return self.name


class LedgerRow(AppendOnlyModel):
    append_only_refusal = "Ledger rows cannot be edited or deleted; post a reversal instead."
    objects = append_only_manager(append_only_refusal)

    class Meta:
        abstract = True


class Posting(LedgerRow):
    """One business event (a charge, a payment, a waiver…) as a balanced set of entries."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    company = models.ForeignKey(
        "properties.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    office = models.ForeignKey(
        "properties.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    memo = models.CharField(_("memo"), max_length=300)
    # No database constraint: deleting a user must not rewrite (UPDATE) the ledger.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.idempotency_key}: {self.memo}"


class Entry(LedgerRow):
    """One line of a posting: debit positive, credit negative."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries", verbose_name=_("posting"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["posting_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero")]

    def __str__(self):
        return f"{self.account} {self.amount} {self.currency}"
