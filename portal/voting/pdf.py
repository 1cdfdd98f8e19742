"""The results of an owners' meeting as a PDF (the shared document look of commerce.documents.pdf)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.documents import pdf

from .models import Meeting


def results_pdf(meeting: Meeting) -> bytes:
    flow = [
        pdf.para(meeting.community.name, "company"),
        pdf.para(_("Results: %(title)s") % {"title": meeting.title}, "title"),
        pdf.para(
            _("Voting from %(opens)s to %(closes)s")
            % {
                "opens": timezone.localtime(meeting.opens_at).strftime("%Y-%m-%d %H:%M"),
                "closes": timezone.localtime(meeting.closes_at).strftime("%Y-%m-%d %H:%M"),
            },
            "small",
        ),
    ]
    for motion in meeting.motions.select_related("result"):
        r = motion.result.data
        flow.append(pdf.para(motion.title, "heading"))
        flow.append(pdf.para(motion.rule_label, "small"))

        rows = [[pdf.para(""), pdf.para(_("Area (m²)")), pdf.para(_("Owners"))]]
        rows.append([pdf.para(_("On the roll")), r["total"]["area"], str(r["total"]["headcount"])])
        rows.append(
            [
                pdf.para(_("Took part")),
                f"{r['participating']['area']} ({r['participation_area']['fraction']} = "
                f"{r['participation_area']['percent']}%)",
                f"{r['participating']['headcount']} ({r['participation_headcount']['fraction']} = "
                f"{r['participation_headcount']['percent']}%)",
            ]
        )
        if r["rule"] == "election":
            for c in r["candidates"]:
                mark = _("elected") if c["elected"] else _("run-off") if c["runoff"] else ""
                rows.append(
                    [
                        pdf.para(f"{c['name']} {mark}".strip()),
                        f"{c['area']} ({c['approval_area']['percent']}%)",
                        f"{c['headcount']} ({c['approval_headcount']['percent']}%)",
                    ]
                )
            verdict = _("Valid election") if r["quorum_met"] else _("No quorum")
        else:
            for key, label in (("for", _("For")), ("against", _("Against")), ("abstain", _("Abstain"))):
                ratio_a = (
                    f" ({r['approval_area']['fraction']} = {r['approval_area']['percent']}%)" if key == "for" else ""
                )
                ratio_h = (
                    f" ({r['approval_headcount']['fraction']} = {r['approval_headcount']['percent']}%)"
                    if key == "for"
                    else ""
                )
                rows.append([pdf.para(label), r[key]["area"] + ratio_a, f"{r[key]['headcount']}{ratio_h}"])
            verdict = _("Passed") if r["passed"] else _("Not passed")
        flow.append(pdf.table(rows, [0.3, 0.35, 0.35]))
        quorum = _("Quorum: at least 2/3 of the area and 2/3 of the owners took part")
        flow.append(pdf.para(f"{quorum}: {_('met') if r['quorum_met'] else _('not met')}", "small"))
        flow.append(pdf.para(verdict, "strong"))
    return pdf.render(flow, title=meeting.title, author=meeting.community.name)
