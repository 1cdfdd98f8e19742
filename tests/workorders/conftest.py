"""Two offices: office A with a grid (housekeeper Hu), a building with two households, desk, technicians and a
manager; office B with its own staff. Images are made in memory."""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.people.models import StaffRole
from tests.factories import AccountFactory, RegionFactory, ResidentMembershipFactory, UnitFactory
from tests.properties.conftest import make_site, staff


@pytest.fixture(autouse=True)
def _plain_settings(settings, tmp_path):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def jpeg(name="leak.jpg", size=(64, 48), color=(200, 30, 30), exif=True):
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPS info
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="wall.png"):
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 255, 128)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def not_an_image(name="invoice.jpg"):
    return SimpleUploadedFile(name, b"%PDF-1.4 this is a pdf renamed to jpg" * 10, content_type="image/jpeg")


@pytest.fixture
def w(db):
    from tests.factories import CompanyFactory

    company = CompanyFactory(name="Linli Property")
    site = make_site(RegionFactory(company=company, name="East"), "a")
    other = make_site(RegionFactory(company=company, name="West"), "b")
    keeper = staff(StaffRole.HOUSEKEEPER, site.office, full_name="Keeper Hu", phone="+8613800000001")
    site.grid.housekeeper = keeper
    site.grid.save()
    unit = UnitFactory(building=site.building, grid=site.grid, number="1201", floor=12, floor_area=Decimal("90"))
    neighbour_unit = UnitFactory(building=site.building, grid=site.grid, number="1202", floor=12)
    other_unit = UnitFactory(building=other.building, grid=other.grid, number="0901", floor=9)
    resident = AccountFactory(full_name="Resident Ruan", phone="+8613900000001")
    ResidentMembershipFactory(user=resident, unit=unit)
    family = AccountFactory(full_name="Family Fan")
    ResidentMembershipFactory(user=family, unit=unit, role="family")
    neighbour = AccountFactory(full_name="Neighbour Ni")
    ResidentMembershipFactory(user=neighbour, unit=neighbour_unit)
    far_resident = AccountFactory(full_name="Far Fang")
    ResidentMembershipFactory(user=far_resident, unit=other_unit)
    return SimpleNamespace(
        company=company,
        site=site,
        other=other,
        office=site.office,
        unit=unit,
        neighbour_unit=neighbour_unit,
        other_unit=other_unit,
        resident=resident,
        family=family,
        neighbour=neighbour,
        far_resident=far_resident,
        keeper=keeper,
        keeper2=staff(StaffRole.HOUSEKEEPER, site.office, full_name="Keeper Ke"),
        desk=staff(StaffRole.FRONT_DESK, site.office, full_name="Desk Deng"),
        manager=staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager Ma"),
        tech=staff(StaffRole.TECHNICIAN, site.office, full_name="Tech Tang"),
        tech2=staff(StaffRole.TECHNICIAN, site.office, full_name="Tech Tian"),
        other_manager=staff(StaffRole.OFFICE_MANAGER, other.office, full_name="Manager Mo"),
        other_tech=staff(StaffRole.TECHNICIAN, other.office, full_name="Tech Tu"),
    )
