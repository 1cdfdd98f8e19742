"""The shared look of printed documents: Chinese-capable font, styles, tables, and the HTTP response.

Chinese text uses reportlab's built-in CID font STSong-Light and Latin text the standard Helvetica:
no font file ships with the project, and every PDF reader supplies the glyphs. Each run of text goes
to the font that has its characters (STSong-Light lacks ·, ², and its Latin letters sit unevenly).
"""

from __future__ import annotations

import functools
import io
import itertools
from decimal import Decimal
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from commerce.money import format_money

FONT = "STSong-Light"
PAGE = A4
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
HEIGHT = PAGE[1] - 2 * MARGIN
GRID = colors.HexColor("#888888")
SHADE = colors.HexColor("#f0f0f0")

LATIN = "Helvetica"  # WinAnsi (cp1252): ASCII, ¥, ·, ², ×, “”, — …


@functools.cache
def font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font(), fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "strong": ParagraphStyle("strong", parent=base, fontSize=11, leading=15),
        "strong-right": ParagraphStyle("strong-right", parent=base, fontSize=11, leading=15, alignment=TA_RIGHT),
        "company": ParagraphStyle("company", parent=base, fontSize=10, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=2),
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT, spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3),
    }


def _latin(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def text(value) -> str:
    """Paragraph markup for a plain value: escaped, each run of characters in the font that has them."""
    runs = []
    for latin, chars in itertools.groupby(str(value), key=_latin):
        marked = escape("".join(chars))
        runs.append(f'<font name="{LATIN}">{marked}</font>' if latin else marked)
    return "".join(runs)


@functools.cache
def _latin_style(style: str) -> ParagraphStyle:
    # Line breaking for Chinese is several times slower; text without Chinese does not need it.
    return ParagraphStyle(f"{style}-latin", parent=styles()[style], wordWrap=None)


def para(value, style: str = "body") -> Paragraph:
    value = str(value)
    return Paragraph(text(value), _latin_style(style) if all(map(_latin, value)) else styles()[style])


def money(amount: Decimal, currency: str, style: str = "right") -> Paragraph:
    return para(format_money(amount, currency), style)


def row(month: str, charge, explanation, amount: Decimal, currency: str) -> list:
    """A Month | Charge | Explanation | Amount row of a bills table (month and amount as plain Latin text)."""
    explanation = para(explanation, "small") if explanation else ""
    return [month, para(charge), explanation, format_money(amount, currency)]


def table(rows, widths, *, header: bool = True, shaded_rows=(), boxed: bool = True) -> Table:
    """A ruled table of cells, Paragraphs or plain Latin strings; ``widths`` are fractions of the text width.

    Plain strings are set in Helvetica; in the last column they are aligned right (amounts).
    """
    commands = [
        ("FONT", (0, 0), (-1, -1), LATIN, styles()["body"].fontSize, styles()["body"].leading),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if boxed:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, GRID))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    commands += [("BACKGROUND", (0, row), (-1, row), SHADE) for row in shaded_rows]
    result = Table(rows, colWidths=[WIDTH * w for w in widths], repeatRows=1 if header else 0)
    result.setStyle(TableStyle(commands))
    return result


def render(flowables, *, title: str, author: str = "", footer: str = "") -> bytes:
    buffer = io.BytesIO()

    def decorate(canvas, doc):
        if footer:
            canvas.saveState()
            canvas.setFont(font(), 7.5)
            canvas.setFillColor(colors.HexColor("#666666"))
            canvas.drawString(MARGIN, MARGIN / 2, footer)
            canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        creator="Linli",
    )
    document.build(list(flowables), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def pdf_response(data: bytes, filename: str, *, attachment: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def safe_filename(value: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in value)
