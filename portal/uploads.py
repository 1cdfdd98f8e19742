"""One check for every file a person uploads: the content decides the type, the name must agree, size is capped.

A file's name and the browser's content type are the uploader's claims; the first bytes are not. ``check``
sniffs the content (Pillow for photos, the PDF header, a real .xlsx zip package, text that decodes for CSV)
and refuses HTML, scripts, executables, SVG and anything else renamed to look harmless, a file whose name
says one type while its content is another (a PNG called licence.pdf), and oversize or empty files.
Fields use the ready-made validators: ``forms.FileField(validators=[uploads.photo_or_pdf])``.
"""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
MAX_PIXELS = 40_000_000

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
EXTENSIONS = {
    "image": (".jpg", ".jpeg", ".png", ".webp", ".gif"),
    "pdf": (".pdf",),
    "csv": (".csv", ".txt"),
    "xlsx": (".xlsx",),
}
LABELS = {
    "image": "JPEG, PNG, WebP, GIF",
    "pdf": "PDF",
    "csv": "CSV",
    "xlsx": "Excel (.xlsx)",
}
# Text that must never be accepted as a CSV: markup or code a browser or server could run.
DANGEROUS_TEXT = (b"<!doctype", b"<html", b"<script", b"<?php", b"<?xml", b"<svg", b"<body", b"<iframe")


def _is_image(upload) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                return False
            kind = image.format
            image.verify()
        return kind in IMAGE_FORMATS
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False


def _is_pdf(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _is_xlsx(upload) -> bool:
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_csv(head: bytes) -> bool:
    if b"\x00" in head or head.startswith((b"MZ", b"\x7fELF", b"PK\x03\x04", b"%PDF-")):
        return False
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in lowered for marker in DANGEROUS_TEXT):
        return False
    for encoding in ("utf-8", "gbk"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            # The head may cut a multi-byte character in half: retry without the last 3 bytes.
            try:
                head[:-3].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def sniff(upload) -> str | None:
    """The kind the content really is ('image', 'pdf', 'xlsx', 'csv'), or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    try:
        if _is_pdf(head):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            return "xlsx" if _is_xlsx(upload) else None
        if _is_image(upload):
            return "image"
        upload.seek(0)
        return "csv" if _is_csv(head) else None
    finally:
        upload.seek(0)


def check(upload, kinds, *, max_bytes: int = DEFAULT_MAX_BYTES, check_name: bool = True) -> str:
    """Refuse ``upload`` unless its content is one of ``kinds`` and its name agrees; return the kind.

    ``check_name=False`` leaves a mismatch between accepted kinds (a CSV named .xlsx) to a parser that
    explains it better; content outside ``kinds`` is refused either way.
    """
    kinds = tuple(kinds)
    allowed = ", ".join(LABELS[kind] for kind in kinds)
    name = getattr(upload, "name", "") or ""
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": name, "size": upload.size / MB, "limit": max_bytes // MB},
            code="too_big",
        )
    kind = sniff(upload)
    if kind not in kinds:
        raise ValidationError(
            _("“%(name)s” is not an accepted file: upload %(allowed)s.") % {"name": name, "allowed": allowed},
            code="type",
        )
    if check_name and not name.lower().endswith(EXTENSIONS[kind]):
        raise ValidationError(
            _("“%(name)s” is named as another type than it contains (%(kind)s); upload %(allowed)s.")
            % {"name": name, "kind": LABELS[kind], "allowed": allowed},
            code="name",
        )
    return kind


def photo(upload) -> None:
    check(upload, ["image"])


def photo_or_pdf(upload) -> None:
    check(upload, ["image", "pdf"])


def spreadsheet(upload) -> None:
    check(upload, ["csv", "xlsx"])


def in_memory(data: bytes, name: str):
    """An uploaded-file stand-in for checks on bytes (tests, imports from another source)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def stored_file_response(field, **response_options):
    """A ``FileResponse`` of a stored upload, or 404 when the file is gone from storage (not a server error)."""
    from django.http import FileResponse, Http404

    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, **response_options)
