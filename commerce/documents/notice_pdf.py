"""Payment notices (缴费通知单) as a PDF: one page per household, however many bills it owes."""

from __future__ import annotations

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, PageBreak, Spacer

from commerce.money import format_money

from . import pdf
from .chinese_amount import chinese_amount
from .households import household_label
from .notices import Notice

# Beyond this many bills a notice lists one row per bill instead of every charge line.
DETAILED_BILLS = 6


def _bills_table(notice: Notice):
    currency = notice.currency
    detailed = len(notice.bills) <= DETAILED_BILLS
    rows = [[pdf.para(_("Month")), pdf.para(_("Charge")), pdf.para(_("Explanation")), pdf.para(_("Amount"), "right")]]
    shaded = []
    for item in notice.bills:
        month = f"{item.bill.period_start:%Y-%m}"
        if detailed:
            for line in item.lines:
                rows.append(pdf.row(month, line.item.name, line.explanation, line.amount, currency))
        else:
            names = "、".join(dict.fromkeys(line.item.name for line in item.lines))
            rows.append(pdf.row(month, _("Charges"), names, item.bill.total, currency))
        for label, amount in item.adjustments:
            rows.append(pdf.row(month, label, "", amount, currency))
        if item.paid:
            rows.append(pdf.row(month, _("Already paid"), "", -item.paid, currency))
        due = _("Due by %(date)s") % {"date": f"{item.due_date:%Y-%m-%d}"} if item.due_date else ""
        shaded.append(len(rows))
        rows.append(pdf.row(month, _("Due on this bill"), due, item.outstanding, currency))
    return pdf.table(rows, [0.11, 0.28, 0.43, 0.18], shaded_rows=shaded)


def _notice_story(notice: Notice, pay_url: str):
    office = notice.office
    facts = pdf.table(
        [
            [
                pdf.para(_("Household")),
                pdf.para(household_label(notice.unit)),
                pdf.para(_("Date")),
                pdf.para(f"{notice.issued_on:%Y-%m-%d}"),
            ],
            [pdf.para(_("Resident name")), pdf.para("、".join(notice.residents) or "—"), "", ""],
        ],
        [0.15, 0.45, 0.12, 0.28],
        header=False,
    )
    facts.setStyle(
        [
            ("SPAN", (1, 1), (3, 1)),
            ("BACKGROUND", (0, 0), (0, -1), pdf.SHADE),
            ("BACKGROUND", (2, 0), (2, 0), pdf.SHADE),
        ]
    )
    total = pdf.table(
        [
            [pdf.para(_("Total due"), "strong"), pdf.para(format_money(notice.total, notice.currency), "strong-right")],
            [pdf.para(_("Amount in capitals")), pdf.para(chinese_amount(notice.total), "right")],
        ],
        [0.5, 0.5],
        header=False,
    )
    desk = [office.name, office.address]
    if office.phone:
        desk.append(_("phone %(phone)s") % {"phone": office.phone})
    return [
        pdf.para(notice.company.name, "company"),
        pdf.para(f"{office.name}  {_('Payment notice')}", "title"),
        Spacer(1, 3 * mm),
        facts,
        Spacer(1, 3 * mm),
        pdf.para(_("Dear resident, the following charges of your household are due. Please pay them in time.")),
        Spacer(1, 2 * mm),
        _bills_table(notice),
        Spacer(1, 3 * mm),
        total,
        pdf.para(_("How to pay"), "heading"),
        pdf.para(_("Online: sign in and pay at %(url)s") % {"url": pay_url}),
        pdf.para(_("At the front desk: %(desk)s") % {"desk": "，".join(filter(None, desk))}),
        pdf.para(_("Bills already paid after this notice was printed need no further action."), "small"),
    ]


class _Notice(KeepInFrame):
    """One household's page; counts itself when drawn, so a batch can report how far it got."""

    def __init__(self, *args, number: int, progress=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._number, self._progress = number, progress

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - reportlab's name
        super().drawOn(canvas, x, y, _sW)
        if self._progress is not None:
            self._progress(self._number)


def render_notices_pdf(notices: list[Notice], pay_url: str, *, title: str, progress=None) -> bytes:
    """One page per notice; ``progress(n)``, when given, is called as the n-th notice is drawn."""
    story = []
    for index, notice in enumerate(notices):
        if index:
            story.append(PageBreak())
        # Shrinks a household with a very long list onto its one page rather than spilling over.
        content = _notice_story(notice, pay_url)
        story.append(
            _Notice(pdf.WIDTH, pdf.HEIGHT - 6 * mm, content, mode="shrink", number=index + 1, progress=progress)
        )
    author = notices[0].company.name if notices else ""
    return pdf.render(story, title=title, author=author, footer=title)
