"""The receipt (收款凭证) of a succeeded payment as a PDF."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from commerce.money import format_money

from . import pdf
from .chinese_amount import chinese_amount
from .households import household_label
from .receipts import Receipt


def filename(receipt: Receipt) -> str:
    return f"receipt-{pdf.safe_filename(receipt.number)}.pdf"


def _facts(receipt: Receipt):
    payment = receipt.payment
    currency = payment.currency
    rows = [
        [
            pdf.para(_("Receipt number")),
            pdf.para(receipt.number),
            pdf.para(_("Date")),
            pdf.para(f"{receipt.paid_on:%Y-%m-%d}"),
        ],
        [
            pdf.para(_("Household")),
            pdf.para(household_label(payment.unit)),
            pdf.para(_("Resident name")),
            pdf.para("、".join(receipt.residents) or "—"),
        ],
        [
            pdf.para(_("Method")),
            pdf.para(payment.get_method_display()),
            pdf.para(_("Clerk")),
            pdf.para(receipt.clerk or "—"),
        ],
        [pdf.para(_("Amount")), pdf.para(format_money(payment.amount, currency), "strong"), "", ""],
        [pdf.para(_("Amount in capitals")), pdf.para(chinese_amount(payment.amount), "strong"), "", ""],
    ]
    if payment.prepaid_amount:
        rows.append([pdf.para(_("Paid ahead")), pdf.para(format_money(payment.prepaid_amount, currency)), "", ""])
    if payment.provider_reference:
        rows.append([pdf.para(_("Payment reference")), pdf.para(payment.provider_reference), "", ""])
    facts = pdf.table(rows, [0.18, 0.37, 0.13, 0.32], header=False)
    spans = [("SPAN", (1, row), (3, row)) for row in range(3, len(rows))]
    facts.setStyle(spans + [("BACKGROUND", (0, 0), (0, -1), pdf.SHADE), ("BACKGROUND", (2, 0), (2, 2), pdf.SHADE)])
    return facts


def _settled(receipt: Receipt):
    currency = receipt.payment.currency
    rows = [[pdf.para(_("Bill")), pdf.para(_("Charge")), pdf.para(_("Explanation")), pdf.para(_("Amount"), "right")]]
    shaded = []
    for allocation in receipt.allocations:
        month = f"{allocation.bill.period_start:%Y-%m}"
        for line in allocation.bill.lines.all():
            rows.append(pdf.row(month, line.item.name, line.explanation, line.amount, currency))
        shaded.append(len(rows))
        rows.append(pdf.row(month, _("Paid on this bill"), "", allocation.amount, currency))
    return pdf.table(rows, [0.12, 0.22, 0.48, 0.18], shaded_rows=shaded)


def _refunds(receipt: Receipt):
    currency = receipt.payment.currency
    rows = [[pdf.para(_("Date")), pdf.para(_("Reason")), pdf.para(_("Status")), pdf.para(_("Refund"), "right")]]
    for refund in receipt.refunds:
        when = timezone.localtime(refund.decided_at or refund.created_at)
        rows.append(
            [
                pdf.para(f"{when:%Y-%m-%d}"),
                pdf.para(refund.reason),
                pdf.para(refund.get_status_display()),
                pdf.money(-refund.amount, currency),
            ]
        )
    return pdf.table(rows, [0.14, 0.5, 0.16, 0.2])


def render_receipt_pdf(receipt: Receipt) -> bytes:
    payment = receipt.payment
    office = payment.office
    story = [
        pdf.para(office.region.company.name, "company"),
        pdf.para(f"{office.name}  {_('Receipt')}", "title"),
        pdf.para(_("No. %(number)s") % {"number": receipt.number}, "number"),
        _facts(receipt),
    ]
    if receipt.allocations:
        story += [pdf.para(_("Bills settled"), "heading"), _settled(receipt)]
    if receipt.refunds:
        story += [pdf.para(_("Refunds"), "heading"), _refunds(receipt)]
    contact = " ".join(filter(None, [office.address, office.phone]))
    story += [
        Spacer(1, 10 * mm),
        pdf.table(
            [[pdf.para(_("Received by: %(clerk)s") % {"clerk": receipt.clerk or "—"}), pdf.para(_("Stamp"), "right")]],
            [0.5, 0.5],
            header=False,
            boxed=False,
        ),
    ]
    if contact:
        story.append(pdf.para(f"{office.name}: {contact}", "small"))
    return pdf.render(
        story,
        title=f"{_('Receipt')} {receipt.number}",
        author=office.region.company.name,
        footer=f"{office.name}  {receipt.number}",
    )
