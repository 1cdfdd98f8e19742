"""Disguised files are refused everywhere a person uploads one: the content decides, not the name.

Each upload surface gets the disguises that apply to it (an HTML page, a PHP script or an .exe renamed .jpg,
an SVG with a script, a PNG named .pdf, an oversize file, markup in a .csv, a plain zip named .xlsx) and one
genuine file it must accept, so the checks cannot pass by refusing everything.
"""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal import uploads


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
    return out.getvalue()


def _xlsx():
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active.append(["building", "number"])
    book.save(out)
    return out.getvalue()


def _zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("payload.exe", b"MZ" + b"\x00" * 64)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DISGUISES = {
    "html renamed .jpg": ("photo.jpg", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    "php renamed .jpg": ("photo.jpg", b"<?php system($_GET['c']); ?>"),
    "exe renamed .jpg": ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),
    "svg with a script": ("photo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "svg renamed .png": ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "oversize": ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024)),
    "empty": ("photo.jpg", b""),
}
DOCUMENT_DISGUISES = {**DISGUISES, "png named .pdf": ("licence.pdf", None), "html named .pdf": ("a.pdf", b"<html>")}
TABLE_DISGUISES = {
    "html renamed .csv": ("units.csv", b"<html><body><script>alert(1)</script></body></html>"),
    "php renamed .csv": ("units.csv", b"<?php echo 1; ?>"),
    "exe renamed .xlsx": ("units.xlsx", b"MZ\x90\x00" + b"\x00" * 100),
    "plain zip renamed .xlsx": ("units.xlsx", None),
    "png renamed .csv": ("units.csv", None),
    "oversize": ("units.csv", b"building,number\n" + b"1,101\n" * (2 * 1024 * 1024)),
}
FILLERS = {"png named .pdf": _png, "plain zip renamed .xlsx": _zip, "png renamed .csv": _png}


def _file(name, content, label=""):
    if content is None:
        content = FILLERS[label]()
    return SimpleUploadedFile(name, content)


def _refused(check, upload):
    with pytest.raises(ValidationError):
        check(upload)


# --- each surface, as a callable that raises ValidationError for a refused file --------------------------------


def workorder_photo(upload):
    from portal.workorders.photos import check_photos

    check_photos([upload])


def chat_photo(upload):
    from notifications.chat import _image_files

    _image_files(upload)


def _form_check(form_class, field, **init):
    def check(upload):
        form = form_class(data={}, files={field: upload}, **init)
        form.is_valid()
        if field in form.errors:
            raise ValidationError(form.errors[field])

    return check


def _field_check(form_class, field):
    return lambda upload: form_class.base_fields[field].clean(upload)


def product_photo(upload):
    from commerce.marketplace.forms import PhotoForm

    _form_check(PhotoForm, "image")(upload)


def merchant_licence(upload):
    from commerce.marketplace.forms import ApplicationForm

    _form_check(ApplicationForm, "licence")(upload)


def proxy_authorisation(upload):
    from portal.voting.forms import ProxyForm

    _field_check(ProxyForm, "document")(upload)


def paper_ballot_scan(upload):
    from portal.voting.forms import PaperEntryForm

    _field_check(PaperEntryForm, "scan")(upload)


def property_import(upload):
    from portal.properties.forms import ImportForm

    _form_check(ImportForm, "file")(upload)


def meter_reading_import(upload):
    from django.contrib.auth.models import AnonymousUser

    from commerce.meters.forms import ReadingImportForm

    _form_check(ReadingImportForm, "file", user=AnonymousUser())(upload)


def bank_result_file(upload):
    from commerce.collection.views import ResultUploadForm

    _field_check(ResultUploadForm, "file")(upload)


PHOTO_SURFACES = [workorder_photo, chat_photo, product_photo]
DOCUMENT_SURFACES = [merchant_licence, proxy_authorisation, paper_ballot_scan]
TABLE_SURFACES = [property_import, meter_reading_import, bank_result_file]


@pytest.mark.django_db
@pytest.mark.parametrize("surface", PHOTO_SURFACES + DOCUMENT_SURFACES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("disguise", DISGUISES, ids=str)
def test_photo_surfaces_refuse_disguised_files(surface, disguise):
    name, content = DISGUISES[disguise]
    _refused(surface, _file(name, content, disguise))


@pytest.mark.django_db
@pytest.mark.parametrize("surface", DOCUMENT_SURFACES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("disguise", ["png named .pdf", "html named .pdf"])
def test_document_surfaces_refuse_a_file_whose_name_lies(surface, disguise):
    name, content = DOCUMENT_DISGUISES[disguise]
    _refused(surface, _file(name, content, disguise))


@pytest.mark.django_db
@pytest.mark.parametrize("surface", TABLE_SURFACES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("disguise", TABLE_DISGUISES, ids=str)
def test_import_surfaces_refuse_disguised_files(surface, disguise):
    name, content = TABLE_DISGUISES[disguise]
    _refused(surface, _file(name, content, disguise))


@pytest.mark.django_db
@pytest.mark.parametrize("surface", PHOTO_SURFACES + DOCUMENT_SURFACES, ids=lambda s: s.__name__)
def test_a_genuine_photo_is_accepted(surface):
    surface(_file("photo.png", _png()))


@pytest.mark.django_db
@pytest.mark.parametrize("surface", DOCUMENT_SURFACES, ids=lambda s: s.__name__)
def test_a_genuine_pdf_is_accepted(surface):
    surface(_file("licence.pdf", PDF))


@pytest.mark.django_db
@pytest.mark.parametrize("surface", TABLE_SURFACES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("kind", ["csv", "gbk csv", "xlsx"])
def test_a_genuine_table_is_accepted(surface, kind):
    content = {
        "csv": b"building,number\n1,101\n",
        "gbk csv": "楼栋,房号\n1,101\n".encode("gbk"),
        "xlsx": None,
    }[kind]
    upload = _file("units.xlsx", _xlsx()) if kind == "xlsx" else _file("units.csv", content)
    surface(upload)


def test_wagtail_documents_refuse_html_and_svg():
    from django.conf import settings

    assert set(settings.WAGTAILDOCS_EXTENSIONS).isdisjoint({"html", "htm", "svg", "js", "php", "exe", "xml"})


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("a.png", None, "image"), ("a.pdf", PDF, "pdf"), ("a.csv", b"a,b\n", "csv"), ("a.xlsx", None, "xlsx")],
)
def test_sniff_names_what_the_content_is(name, content, kind):
    content = content if content is not None else (_png() if kind == "image" else _xlsx())
    assert uploads.sniff(_file(name, content)) == kind


def test_a_stored_upload_gone_from_storage_is_a_404_not_a_server_error(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.db.models.fields.files import FieldFile
    from django.http import FileResponse, Http404

    from portal import uploads
    from portal.workorders.models import WorkOrderPhoto

    settings.MEDIA_ROOT = str(tmp_path)
    field = WorkOrderPhoto._meta.get_field("image")
    stored = FieldFile(None, field, field.storage.save("kept/photo.jpg", ContentFile(b"\xff\xd8\xff")))
    response = uploads.stored_file_response(stored, content_type="image/jpeg")
    assert isinstance(response, FileResponse) and b"".join(response.streaming_content) == b"\xff\xd8\xff"
    for gone in (FieldFile(None, field, "missing/photo.jpg"), FieldFile(None, field, "")):
        with pytest.raises(Http404):
            uploads.stored_file_response(gone)
