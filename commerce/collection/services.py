"""Bank collection: mandates, exporting a batch for the bank, importing the bank's result file.

Export: every household of the office with an active mandate and bills due (as of a date) gets one
line with its total due, unless it already has a line awaiting the bank. Import: all or nothing;
every row is checked first and a file with any bad row changes nothing. A collected line becomes a
``bank_collection`` payment settled through ``payments.services.mark_succeeded`` against the line's
bills; a row for a line already recorded with the same outcome changes nothing, so importing the
same file twice is harmless.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce.billing.models import Bill
from commerce.ledger.services import from_cents, sum_in_cents
from commerce.money import parse_amount
from commerce.payments import services as payments
from commerce.payments.models import Payment
from portal.access import may_act_in_office
from portal.people.models import StaffRole
from portal.properties.tabular import Column, ImportRefused, RowError, norm, read_table, table_rows

from .models import BankMandate, CollectionBatch, CollectionLine

ZERO = Decimal("0.00")
COLLECTION_ROLES = (StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
MANDATE_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
ACCOUNT_NUMBER = re.compile(r"^\d{8,30}$")
FORMULA_PREFIXES = ("=", "+", "-", "@")

REFERENCE = Column("reference", gettext_lazy("Line reference"), ("明细编号", "流水号", "编号", "reference"))
HOLDER = Column("account_holder", gettext_lazy("Account holder"), ("户名", "账户名", "account name"))
ACCOUNT = Column("account_number", gettext_lazy("Account number"), ("账号", "银行账号", "卡号", "account"))
AMOUNT = Column("amount", gettext_lazy("Amount"), ("金额", "扣款金额"))
TEXT = Column("reference_text", gettext_lazy("Reference text"), ("附言", "摘要", "用途"))
RESULT = Column(
    "result",
    gettext_lazy("Result"),
    ("结果", "处理结果", "扣款结果", "result code"),
    hint=gettext_lazy("success or failure (成功 / 失败)"),
)
REASON = Column("reason", gettext_lazy("Reason"), ("原因", "失败原因", "备注"), required=False)

EXPORT_COLUMNS = (REFERENCE, HOLDER, ACCOUNT, AMOUNT, TEXT)
RESULT_COLUMNS = (REFERENCE, ACCOUNT, AMOUNT, RESULT, REASON)

SUCCESS, FAILURE = "success", "failure"
RESULT_CODES = {
    **{norm(code): SUCCESS for code in ("success", "succeeded", "ok", "paid", "s", "成功", "扣款成功", "已扣款")},
    **{norm(code): FAILURE for code in ("failure", "failed", "fail", "f", "失败", "扣款失败", "未扣款")},
}


def may_collect(user, office) -> bool:
    return may_act_in_office(user, COLLECTION_ROLES, office)


def may_manage_mandates(user, office) -> bool:
    return may_act_in_office(user, MANDATE_ROLES, office)


def currency_of(office) -> str:
    return (office.region.company.currency or "CNY").upper()


# Mandates ------------------------------------------------------------------------------------------


def clean_account_number(text: str) -> str:
    number = "".join((text or "").split()).replace("-", "")
    if not ACCOUNT_NUMBER.match(number):
        raise ValidationError(_("An account number is 8 to 30 digits."), code="account")
    return number


def save_mandate(staff, unit, *, account_holder: str, bank_name: str, account_number: str, active=True, mandate=None):
    """Create or change a unit's mandate; activating one replaces the unit's other active mandate."""
    office = unit.building.community.office
    if not may_manage_mandates(staff, office):
        raise PermissionDenied(_("You cannot manage bank mandates of this office."))
    if mandate is not None and mandate.unit_id != unit.pk:
        raise ValidationError(_("This mandate belongs to another unit."), code="unit")
    holder, bank = (account_holder or "").strip(), (bank_name or "").strip()
    if not holder:
        raise ValidationError(_("Enter the account holder's name."), code="holder")
    if not bank:
        raise ValidationError(_("Enter the bank's name."), code="bank")
    number = clean_account_number(account_number)
    with transaction.atomic():
        if active:
            others = BankMandate.objects.filter(unit=unit, active=True)
            for other in others.exclude(pk=mandate.pk if mandate else None).select_for_update():
                other.active = False
                other.save()
        mandate = mandate or BankMandate(unit=unit, created_by=staff)
        mandate.account_holder, mandate.bank_name, mandate.account_number = holder[:100], bank[:100], number
        mandate.active = bool(active)
        mandate.save()
    return mandate


# Export --------------------------------------------------------------------------------------------


@dataclass
class PlannedLine:
    unit: object
    mandate: BankMandate
    bills: list = field(default_factory=list)
    amount: Decimal = ZERO


@dataclass
class Plan:
    office: object
    as_of: datetime.date
    lines: list[PlannedLine]
    awaiting_bank: list  # units left out: a line of theirs is still with the bank
    nothing_due: int

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def plan_batch(office, as_of: datetime.date) -> Plan:
    """Who would be in a batch for ``office`` now; writes nothing."""
    mandates = list(
        BankMandate.objects.filter(active=True, unit__building__community__office=office)
        .select_related("unit__building__community")
        .order_by("unit__building__community__name", "unit__building__name", "unit__number", "pk")
    )
    unit_ids = [m.unit_id for m in mandates]
    sent = set(
        CollectionLine.objects.filter(status=CollectionLine.Status.SENT, unit_id__in=unit_ids).values_list(
            "unit_id", flat=True
        )
    )
    bills = list(
        Bill.objects.filter(
            unit_id__in=[u for u in unit_ids if u not in sent],
            status=Bill.Status.ISSUED,
            payer=Bill.Payer.HOUSEHOLD,
            period_start__lte=as_of,
        ).order_by("period_start", "pk")
    )
    owed = payments.outstanding_by_bill(bills)
    by_unit: dict[int, list] = {}
    for bill in bills:
        if owed[bill.pk] > 0:
            bill.outstanding = owed[bill.pk]
            by_unit.setdefault(bill.unit_id, []).append(bill)
    lines, awaiting, nothing_due = [], [], 0
    for mandate in mandates:
        if mandate.unit_id in sent:
            awaiting.append(mandate.unit)
        elif due := by_unit.get(mandate.unit_id):
            amount = sum((bill.outstanding for bill in due), ZERO)
            lines.append(PlannedLine(mandate.unit, mandate, due, amount))
        else:
            nothing_due += 1
    return Plan(office, as_of, lines, awaiting, nothing_due)


def months_label(bills) -> str:
    first, last = bills[0].period_start, bills[-1].period_start
    return f"{first:%Y-%m}" if first == last else f"{first:%Y-%m}~{last:%Y-%m}"


def create_batch(staff, office, as_of: datetime.date) -> CollectionBatch:
    if not may_collect(staff, office):
        raise PermissionDenied(_("You cannot run bank collection for this office."))
    try:
        with transaction.atomic():
            # Lock the office's mandates so that two clerks exporting at once wait for each other.
            list(
                BankMandate.objects.select_for_update()
                .filter(active=True, unit__building__community__office=office)
                .values_list("pk", flat=True)
            )
            plan = plan_batch(office, as_of)
            if not plan.lines:
                raise ValidationError(
                    _("No household with an active bank mandate has bills due; there is nothing to send."),
                    code="empty",
                )
            batch = CollectionBatch.objects.create(
                office=office,
                as_of=as_of,
                currency=currency_of(office),
                line_count=len(plan.lines),
                total_amount=plan.total,
                created_by=staff,
                file_name="pending",
            )
            batch.file_name = f"collection-{office.code}-{as_of:%Y%m%d}-{batch.pk}.csv"
            batch.save(update_fields=["file_name"])
            for number, planned in enumerate(plan.lines, start=1):
                line = CollectionLine.objects.create(
                    batch=batch,
                    reference=f"CB{batch.pk:05d}-{number:04d}",
                    unit=planned.unit,
                    mandate=planned.mandate,
                    account_holder=planned.mandate.account_holder,
                    account_number=planned.mandate.account_number,
                    amount=planned.amount,
                    reference_text=(
                        _("Fees %(months)s %(unit)s") % {"months": months_label(planned.bills), "unit": planned.unit}
                    )[:120],
                )
                line.bills.set(planned.bills)
    except IntegrityError:
        raise ValidationError(
            _("Another batch took some of these households just now; check the batches and try again."),
            code="race",
        ) from None
    return batch


def _cell(text: str) -> str:
    """Keep spreadsheet programs from reading a name as a formula."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def export_csv(batch: CollectionBatch) -> bytes:
    """The file for the bank: UTF-8 with a BOM (so Excel reads the Chinese), one line per household."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(column.label) for column in EXPORT_COLUMNS])
    for line in batch.lines.order_by("pk"):
        writer.writerow(
            [
                line.reference,
                _cell(line.account_holder),
                line.account_number,
                f"{line.amount}",
                _cell(line.reference_text),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# Import --------------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    paid_amount: Decimal = ZERO


def _check_row(row, lines, seen) -> tuple | None:
    reference = row.required("reference", RESULT_COLUMNS)
    account = row.required("account_number", RESULT_COLUMNS)
    amount_text = row.required("amount", RESULT_COLUMNS)
    result_text = row.required("result", RESULT_COLUMNS)
    line = lines.get(reference) if reference else None
    if reference and line is None:
        row.errors.append(
            _("Unknown line reference “%(reference)s”: it is not in this batch.") % {"reference": reference}
        )
    if reference and reference in seen:
        row.errors.append(
            _("Line reference “%(reference)s” also appears on line %(line)s of the file.")
            % {"reference": reference, "line": seen[reference]}
        )
    seen.setdefault(reference, row.line)
    amount = None
    if amount_text:
        try:
            amount = parse_amount(amount_text)
        except ValidationError:
            row.errors.append(_("The amount “%(amount)s” is not a valid amount.") % {"amount": amount_text})
    outcome = RESULT_CODES.get(norm(result_text)) if result_text else None
    if result_text and outcome is None:
        row.errors.append(
            _("Unknown result “%(result)s”: use success or failure (成功 / 失败).") % {"result": result_text}
        )
    if line is None:
        return None
    if amount is not None and amount != line.amount:
        row.errors.append(
            _("The amount %(amount)s does not match the %(expected)s sent on this line.")
            % {"amount": amount, "expected": line.amount}
        )
    if account and "".join(account.split()) != line.account_number:
        row.errors.append(_("The account number does not match the account this line was sent for."))
    if outcome and line.status != CollectionLine.Status.SENT:
        already = CollectionLine.Status.PAID if outcome == SUCCESS else CollectionLine.Status.FAILED
        if line.status != already:
            row.errors.append(
                _("This line was already processed as “%(status)s”.") % {"status": line.get_status_display()}
            )
    return line, outcome, row.text("reason")


def _settle(staff, line: CollectionLine) -> Payment:
    bills = list(line.bills.all())
    payment = Payment.objects.create(
        office=line.batch.office,
        unit=line.unit,
        amount=line.amount,
        currency=line.batch.currency,
        method=Payment.Method.BANK_COLLECTION,
        gateway="bank_collection",
        provider_reference=line.reference,
        created_by=staff,
    )
    payment.requested_bills.set(bills)
    return payments.mark_succeeded(payment, line.reference, by=staff, bills=bills)


def import_results(staff, batch: CollectionBatch, uploaded) -> ImportOutcome:
    if not may_collect(staff, batch.office_id):
        raise PermissionDenied(_("You cannot run bank collection for this office."))
    table = read_table(uploaded)
    rows = table_rows(table, RESULT_COLUMNS)
    outcome = ImportOutcome()
    with transaction.atomic():
        locked = CollectionBatch.objects.select_for_update().select_related("office").get(pk=batch.pk)
        if locked.status == CollectionBatch.Status.CLOSED:
            raise ImportRefused([RowError(None, _("This batch is closed; no more results can be imported."))])
        lines = {line.reference: line for line in locked.lines.select_for_update().select_related("unit")}
        seen: dict[str, int] = {}
        checked = [(row, _check_row(row, lines, seen)) for row in rows]
        errors = [RowError(row.line, message) for row in rows for message in row.errors]
        if errors:
            raise ImportRefused(errors)
        now = timezone.now()
        for _row, (line, result, reason) in checked:
            if line.status != CollectionLine.Status.SENT:
                outcome.unchanged += 1
                continue
            line.batch = locked
            if result == SUCCESS:
                line.payment = _settle(staff, line)
                line.status = CollectionLine.Status.PAID
                outcome.paid += 1
                outcome.paid_amount += line.amount
            else:
                line.status = CollectionLine.Status.FAILED
                line.failure_reason = reason[:300]
                outcome.failed += 1
            line.result_at = now
            line.save()
        if outcome.paid or outcome.failed:
            if locked.status == CollectionBatch.Status.EXPORTED:
                locked.check_transition(CollectionBatch.Status.RESULT_IMPORTED)
                locked.status = CollectionBatch.Status.RESULT_IMPORTED
            locked.result_file_name = (getattr(uploaded, "name", "") or "")[:200]
            locked.result_imported_at = now
            locked.save()
    return outcome


def close_batch(staff, batch: CollectionBatch) -> CollectionBatch:
    """Close a batch after its results; lines the bank never answered count as failed."""
    if not may_collect(staff, batch.office_id):
        raise PermissionDenied(_("You cannot run bank collection for this office."))
    with transaction.atomic():
        locked = CollectionBatch.objects.select_for_update().get(pk=batch.pk)
        locked.check_transition(CollectionBatch.Status.CLOSED)
        now = timezone.now()
        for line in locked.lines.filter(status=CollectionLine.Status.SENT).select_for_update():
            line.status = CollectionLine.Status.FAILED
            line.failure_reason = _("No result from the bank before the batch was closed.")
            line.result_at = now
            line.save()
        locked.status = CollectionBatch.Status.CLOSED
        locked.closed_at = now
        locked.save()
    return locked


def batch_summary(batch: CollectionBatch) -> dict:
    """Lines and amounts per line status, summed exactly."""
    rows = batch.lines.values("status").annotate(cents=sum_in_cents(), count=Count("pk"))
    found = {row["status"]: {"count": row["count"], "amount": from_cents(row["cents"])} for row in rows}
    return {status: found.get(status, {"count": 0, "amount": ZERO}) for status in CollectionLine.Status.values}
