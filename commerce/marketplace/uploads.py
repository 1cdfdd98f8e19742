"""Checks on merchant uploads: the content decides the type (not the name or the browser's claim), and size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000


def _check_size(upload) -> None:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
            code="too_big",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")


def _image_type(upload) -> str | None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            kind = IMAGE_FORMATS.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    upload.seek(0)
    return kind


def validate_photo(upload) -> str:
    """A product photo: JPEG, PNG or WebP, at most 5 MB. Returns the content type."""
    _check_size(upload)
    kind = _image_type(upload)
    if kind is None:
        raise ValidationError(_("Upload a photo in JPEG, PNG or WebP format."), code="type")
    return kind


def validate_licence(upload) -> str:
    """A business licence: a PDF or a photo, at most 5 MB. Returns the content type."""
    _check_size(upload)
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "application/pdf"
    kind = _image_type(upload)
    if kind is None:
        raise ValidationError(_("Upload the licence as a PDF or a JPEG, PNG or WebP photo."), code="type")
    return kind
