"""The payments fixtures (a unit with Jan and Feb bills of ¥100, its resident, a neighbour, clerks of two
offices) and a reader for the text of the PDFs reportlab writes."""

import base64
import re
import zlib

from tests.payments.conftest import (  # noqa: F401
    _plain_settings,
    bills,
    clerk,
    company,
    neighbour,
    neighbour_unit,
    other_clerk,
    other_site,
    resident,
    run_month,
    site,
    unit,
)

STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>).)*?)>>\s*stream\r?\n(?P<data>.*?)endstream", re.S)
# In a page stream: a font change ("/F2 9.5 Tf") or a drawn string ("(...) Tj").
OPERATION = re.compile(rb"/(?P<font>F\d+) [\d.]+ Tf|\((?P<body>(?:\\.|[^\\()])*)\)\s*Tj", re.S)
CID_FONT = re.compile(rb"/Name /(F\d+) /Subtype /Type0")
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(body: bytes) -> bytes:
    def replace(match):
        token = match.group(1)
        return bytes([int(token, 8)]) if token[:1].isdigit() else ESCAPES.get(token, token)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, body, flags=re.S)


def pdf_text(data: bytes) -> str:
    """Every string the pages draw, run together: CID-font strings read as UTF-16, Helvetica's as cp1252.

    Reads the page streams themselves (ASCII85 and Flate as reportlab writes them), so a number that
    is not drawn on a page is not found, whatever the document's metadata says.
    """
    cid_fonts = set(CID_FONT.findall(data))
    texts, font = [], None
    for stream in STREAM.finditer(data):
        raw, filters = stream.group("data").strip(), stream.group("dict")
        if b"ASCII85Decode" in filters:
            raw = base64.a85decode(raw.removesuffix(b"~>"))
        if b"FlateDecode" in filters:
            raw = zlib.decompress(raw)
        for operation in OPERATION.finditer(raw):
            if operation.group("font"):
                font = operation.group("font")
                continue
            body = _unescape(operation.group("body"))
            texts.append(body.decode("utf-16-be" if font in cid_fonts else "cp1252", errors="replace"))
    return "".join(texts)


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))
