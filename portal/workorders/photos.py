"""Photo uploads: checked by content (not by name), at most 10 MB and 6 a time, re-encoded without EXIF/GPS."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import MAX_PHOTOS

MAX_BYTES = 10 * 1024 * 1024
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PIXELS = 40_000_000
LONGEST_SIDE = 2048


def check_photos(files, already: int = 0) -> None:
    """Refuse the whole batch, naming the rule, when any file breaks one (nothing is saved then)."""
    files = list(files)
    if already + len(files) > MAX_PHOTOS:
        raise ValidationError(
            _("At most %(max)d photos per step; %(already)d are already attached and you sent %(sent)d.")
            % {"max": MAX_PHOTOS, "already": already, "sent": len(files)},
            code="too_many",
        )
    for upload in files:
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("“%(name)s” is larger than 10 MB; send a smaller photo.") % {"name": upload.name}, code="too_big"
            )
        _open(upload)


def _open(upload) -> Image.Image:
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("“%(name)s” has too many pixels.") % {"name": upload.name}, code="too_big")
            probe.verify()
        if kind not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(kind)
        upload.seek(0)
        image = Image.open(upload)
        image.load()
        return image
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s” is not a photo (JPEG, PNG, WebP or GIF).") % {"name": upload.name}, code="not_image"
        ) from None
    finally:
        upload.seek(0)


def reencode(upload) -> tuple[ContentFile, int, int]:
    """A fresh JPEG of the upload: turned upright, scaled to at most 2048 px, no metadata kept."""
    image = _open(upload)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[3])
        image = background
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a new image carries no EXIF, GPS or other metadata
    out = io.BytesIO()
    clean.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), clean.width, clean.height
