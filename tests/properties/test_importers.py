import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.people.models import ResidentMembership, User
from portal.properties import importers, tabular
from portal.properties.importers import ImportRefused, import_residents, import_units
from portal.properties.models import Unit
from tests.factories import ResidentMembershipFactory, UnitFactory, UserFactory

from .uploads import RESIDENT_HEADER, RESIDENT_HEADER_ZH, UNIT_HEADER, UNIT_HEADER_ZH, XLSX, csv_file, xlsx_file

pytestmark = pytest.mark.django_db


def refusal(call):
    with pytest.raises(ImportRefused) as refused:
        call()
    return {(e.line, e.message) for e in refused.value.errors}


def lines_and_reasons(errors):
    return {line: message for line, message in errors}


# --- units ---------------------------------------------------------------------------------


GOOD_UNITS = [
    UNIT_HEADER,
    ["garden-a", "3", "101", "1", "88.50", "apartment", "sold", "G1"],
    ["garden-a", "3", "102", "1", "92", "Shop", "Unsold (developer)", "G1"],
    ["garden-a", "3", "201", "2", "120.35", "", "", "g1"],
]


def test_a_good_csv_imports_every_unit_with_decimal_areas(site, manager):
    result = import_units(manager, csv_file(GOOD_UNITS))

    assert result.created == 3
    shop = Unit.objects.get(number="102")
    assert (shop.unit_type, shop.status, shop.floor_area) == ("shop", "unsold", Decimal("92.00"))
    default = Unit.objects.get(number="201")
    assert (default.unit_type, default.status, default.floor, default.grid) == ("apartment", "sold", 2, site.grid)
    assert Unit.objects.get(number="101").floor_area == Decimal("88.50")


def test_a_good_xlsx_imports_every_unit(site, manager):
    rows = [
        UNIT_HEADER_ZH,
        ["garden-a", 3, 101, 1, 88.35, "住宅", "已售", "G1"],
        ["garden-a", 3, 102, 1, 92, "商铺", "空置", "G1"],
    ]

    result = import_units(manager, xlsx_file(rows))

    assert result.created == 2
    first = Unit.objects.get(number="101")
    assert first.floor_area == Decimal("88.35") and first.building == site.building
    assert Unit.objects.get(number="102").status == "vacant"


def test_a_chinese_csv_saved_by_excel_in_gbk_is_read(site, manager):
    rows = [UNIT_HEADER_ZH, ["garden-a", "3", "101", "1", "88.5", "住宅", "已售", "G1"]]
    assert import_units(manager, csv_file(rows, encoding="gbk", content_type="application/vnd.ms-excel")).created == 1


def test_a_utf8_csv_with_a_byte_order_mark_is_read(site, manager):
    rows = [UNIT_HEADER_ZH, ["garden-a", "3", "101", "1", "88.5", "住宅", "已售", "G1"]]
    assert import_units(manager, csv_file(rows, bom=True)).created == 1


def test_a_file_with_good_and_bad_rows_imports_nothing_and_names_every_bad_row(site, other_site, manager):
    UnitFactory(building=site.building, grid=site.grid, number="301", floor=3)
    rows = [
        UNIT_HEADER,  # line 1
        ["garden-a", "3", "101", "1", "88.5", "", "", "G1"],  # 2: good
        ["nowhere", "3", "102", "1", "88.5", "", "", "G1"],  # 3: unknown community
        ["garden-a", "9", "103", "1", "88.5", "", "", "G1"],  # 4: unknown building
        ["garden-a", "3", "104", "1", "88.5", "", "", "G9"],  # 5: unknown grid
        ["garden-a", "3", "101", "1", "88.5", "", "", "G1"],  # 6: duplicate of line 2
        ["garden-a", "3", "301", "3", "88.5", "", "", "G1"],  # 7: already exists
        ["garden-a", "3", "105", "1", "0", "", "", "G1"],  # 8: area not > 0
        ["garden-a", "3", "106", "1", "big", "", "", "G1"],  # 9: area not a number
        ["garden-a", "3", "107", "one", "88.5", "", "", "G1"],  # 10: bad floor
        ["garden-a", "3", "", "1", "88.5", "", "", "G1"],  # 11: missing number
        ["garden-b", "3", "108", "1", "88.5", "", "", "G1"],  # 12: another office's community
        ["garden-a", "3", "109", "1", "88.5", "castle", "", "G1"],  # 13: unknown type
        [],  # 14: blank lines are skipped
        ["garden-a", "3", "110", "1", "88.5", "", "", "G1"],  # 15: good
    ]

    errors = lines_and_reasons(refusal(lambda: import_units(manager, csv_file(rows))))

    assert Unit.objects.count() == 1  # only the one that was there before
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert "Unknown community code “nowhere”" in errors[3]
    assert "no building “9”" in errors[4]
    assert "no grid “G9”" in errors[5]
    assert "also on line 2" in errors[6]
    assert "already exists" in errors[7]
    assert "greater than 0" in errors[8] and "greater than 0" in errors[9]
    assert "not a whole number" in errors[10]
    assert "Unit number is missing" in errors[11]
    assert "not one of the offices you manage" in errors[12]
    assert "Unknown type “castle”; use one of: Apartment, Villa, Duplex, Shop, Office." in errors[13]


def test_headquarters_import_into_any_office_of_their_company(site, other_site, headquarters):
    rows = [
        UNIT_HEADER,
        ["garden-a", "3", "101", "1", "88", "", "", "G1"],
        ["garden-b", "3", "101", "1", "88", "", "", "G1"],
    ]
    assert import_units(headquarters, csv_file(rows)).created == 2


def test_a_front_desk_clerk_cannot_import_even_into_their_own_office(site, front_desk):
    errors = refusal(lambda: import_units(front_desk, csv_file(GOOD_UNITS)))
    assert {line for line, _m in errors} == {2, 3, 4}
    assert Unit.objects.count() == 0


# --- the file itself -------------------------------------------------------------------------


def test_an_oversize_file_is_refused_before_it_is_read(site, manager, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    errors = refusal(lambda: import_units(manager, csv_file(GOOD_UNITS * 5)))
    assert any("files up to" in m for _l, m in errors)
    assert Unit.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "content_type", "reason"),
    [
        ("units.txt", b"a,b", "text/plain", "Upload a .csv or .xlsx file"),
        ("units.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel", "Old Excel .xls"),
        ("units.xlsx", b"\x89PNG\r\n\x1a\n....", XLSX, "not an Excel"),
        ("units.csv", b"PK\x03\x04rest", "text/csv", "Excel workbook named .csv"),
        ("units.csv", b"\x00\x01\x02binary", "text/csv", "not a text CSV"),
        ("units.csv", b"a,b", "image/png", "not a CSV file"),
        ("units.csv", b"", "text/csv", "empty"),
        ("units.xlsx", b"PK\x03\x04broken zip", "application/octet-stream", "could not be read"),
    ],
)
def test_files_of_the_wrong_kind_are_refused_with_a_reason(site, manager, name, data, content_type, reason):
    errors = refusal(lambda: import_units(manager, SimpleUploadedFile(name, data, content_type=content_type)))
    assert any(reason in m for _l, m in errors), errors


def test_an_xlsx_that_unpacks_to_far_more_than_the_upload_limit_is_refused(site, manager, monkeypatch, settings):
    upload = xlsx_file(GOOD_UNITS)
    settings.IMPORT_MAX_UPLOAD_BYTES = upload.size + 1
    monkeypatch.setattr(tabular, "XLSX_MAX_UNPACKED_RATIO", 1)
    errors = refusal(lambda: import_units(manager, upload))
    assert any("unpacks to too much data" in m for _l, m in errors)
    assert Unit.objects.count() == 0


def test_unknown_and_missing_columns_are_named(site, manager):
    rows = [["Community code", "Building", "Unit number", "Colour"], ["garden-a", "3", "101", "red"]]
    errors = refusal(lambda: import_units(manager, csv_file(rows)))
    messages = " ".join(m for _l, m in errors)
    assert {line for line, _m in errors} == {1}
    assert "Unknown column “Colour”" in messages
    assert "Floor" in messages and "Grid" in messages and "Missing column" in messages


def test_a_header_without_rows_is_refused(site, manager):
    errors = refusal(lambda: import_units(manager, csv_file([UNIT_HEADER])))
    assert any("no rows" in m for _l, m in errors)


def test_the_templates_have_english_or_chinese_headers_that_import_back(site, manager):
    english = importers.template_csv("units", "en").decode("utf-8-sig").strip()
    chinese = importers.template_csv("residents", "zh-hans").decode("utf-8-sig").strip()
    assert english == ",".join(UNIT_HEADER)
    assert chinese == ",".join(RESIDENT_HEADER_ZH)
    data = importers.template_csv("units", "zh-hans") + b"garden-a,3,101,1,88.5,,,G1\r\n"
    upload = SimpleUploadedFile("from-template.csv", data, content_type="text/csv")
    assert import_units(manager, upload).created == 1


# --- residents -----------------------------------------------------------------------------


@pytest.fixture
def units(site):
    return {n: UnitFactory(building=site.building, grid=site.grid, number=n, floor=int(n[0])) for n in ("101", "102")}


def test_residents_are_imported_as_verified_memberships_of_new_password_less_accounts(site, manager, units):
    existing = UserFactory(phone="+8613900000002", full_name="Li Na")
    rows = [
        RESIDENT_HEADER,
        ["garden-a", "3", "101", "Wang Wei", "138 0000 0001", "wang@example.com", "owner", "2024-03-01"],
        ["garden-a", "3", "101", "Wang Xiaoming", "", "xiaoming@example.com", "family", ""],
        ["garden-a", "3", "102", "Li Na", "13900000002", "", "tenant", "2024/5/1"],
        ["garden-a", "3", "102", "Wang Wei", "13800000001", "", "owner", "2024-03-01"],
    ]

    result = import_residents(manager, csv_file(rows, name="residents.csv"))

    assert (result.created, result.users_created, result.users_reused) == (4, 2, 1)
    wang = User.objects.get(phone="+8613800000001")
    assert wang.full_name == "Wang Wei" and wang.email == "wang@example.com"
    assert not wang.has_usable_password()
    assert set(wang.memberships.values_list("unit__number", flat=True)) == {"101", "102"}
    li = ResidentMembership.objects.get(user=existing)
    assert (li.unit, li.role, li.start_date) == (units["102"], "tenant", datetime.date(2024, 5, 1))
    assert all(m.verified and m.source == "import" for m in ResidentMembership.objects.all())


def test_an_existing_account_is_found_by_email_whatever_its_case(site, manager, units):
    existing = UserFactory(email="Li.Na@Example.com")
    rows = [RESIDENT_HEADER, ["garden-a", "3", "101", "Li Na", "", "li.na@example.com", "owner", ""]]

    result = import_residents(manager, csv_file(rows, name="residents.csv"))

    assert (result.users_created, result.users_reused) == (0, 1)
    assert ResidentMembership.objects.get().user == existing


def test_residents_from_a_chinese_xlsx(site, manager, units):
    rows = [
        RESIDENT_HEADER_ZH,
        ["garden-a", 3, 101, "王伟", 13800000001, None, "业主", datetime.datetime(2024, 3, 1)],
        ["garden-a", 3, 102, "李娜", None, "li@example.com", "租户", None],
    ]
    assert import_residents(manager, xlsx_file(rows, name="residents.xlsx")).created == 2
    assert ResidentMembership.objects.get(user__phone="+8613800000001").start_date == datetime.date(2024, 3, 1)


def test_a_residents_file_with_bad_rows_imports_nobody_and_names_each_bad_row(site, manager, units):
    ResidentMembershipFactory(unit=units["101"], user=UserFactory(phone="+8613700000007"))
    UserFactory(phone="+8613600000006", email="six@example.com")
    UserFactory(email="other@example.com")
    rows = [
        RESIDENT_HEADER,  # 1
        ["garden-a", "3", "101", "Good Person", "13800000001", "", "owner", ""],  # 2: good
        ["garden-a", "3", "101", "Bad Phone", "12345", "", "owner", ""],  # 3
        ["garden-a", "3", "101", "Bad Role", "13800000003", "", "landlord", ""],  # 4
        ["garden-a", "3", "101", "No Contact", "", "", "owner", ""],  # 5
        ["garden-a", "3", "999", "No Unit", "13800000005", "", "owner", ""],  # 6
        ["garden-a", "3", "101", "Already Here", "13700000007", "", "owner", ""],  # 7
        ["garden-a", "3", "102", "Two People", "13600000006", "other@example.com", "owner", ""],  # 8
        ["garden-a", "3", "102", "Bad Date", "13800000009", "", "owner", "next week"],  # 9
        ["garden-a", "3", "101", "Good Person", "13800000001", "", "owner", ""],  # 10: same as line 2
        ["garden-a", "3", "102", "", "13800000011", "bad-email", "owner", ""],  # 11: no name, bad email
    ]

    errors = refusal(lambda: import_residents(manager, csv_file(rows, name="residents.csv")))
    by_line = {}
    for line, message in errors:
        by_line.setdefault(line, []).append(message)

    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "not a valid phone number" in by_line[3][0]
    assert "Unknown role “landlord”" in by_line[4][0]
    assert "phone number or an email" in by_line[5][0]
    assert "has no unit “999”" in by_line[6][0]
    assert "already a resident" in by_line[7][0]
    assert "two different accounts" in by_line[8][0]
    assert "not a date" in by_line[9][0]
    assert "line 2" in by_line[10][0]
    assert len(by_line[11]) == 2  # missing name and bad email, both reported
    assert ResidentMembership.objects.count() == 1
    assert not User.objects.filter(phone="+8613800000001").exists()
