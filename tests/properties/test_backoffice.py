"""The Property back office, used over HTTP by office managers, front desks, HQ and outsiders."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.people.models import ResidentMembership
from portal.properties.models import Building, Office, ParkingSpace, Unit
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    ResidentMembershipFactory,
    UnitFactory,
    UserFactory,
)

from .conftest import staff
from .uploads import RESIDENT_HEADER, UNIT_HEADER, csv_file, xlsx_file

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")
IMPORT_UNITS = reverse("properties_import", args=["units"])
IMPORT_RESIDENTS = reverse("properties_import", args=["residents"])
BATCH = reverse("properties_batch_units")
MOVE = reverse("properties_move_units")
UNITS = reverse("properties_unit:index")


def unit_url(view, unit):
    return reverse(f"properties_unit:{view}", args=[unit.pk])


def option_values(response, field):
    return {str(v) for v, _label in response.context["form"].fields[field].choices if v != ""}


@pytest.fixture
def unit(site):
    return UnitFactory(building=site.building, grid=site.grid, number="1203", floor=12, floor_area=Decimal("92.00"))


# --- imports -------------------------------------------------------------------------------


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_an_office_manager_imports_units_from_a_spreadsheet(site, manager, as_user, make_file):
    rows = [
        UNIT_HEADER,
        ["garden-a", "3", "101", "1", "88.5", "", "", "G1"],
        ["garden-a", "3", "102", "1", "92", "", "", "G1"],
    ]

    response = as_user(manager).post(IMPORT_UNITS, {"file": make_file(rows)}, follow=True)

    assert response.redirect_chain[-1] == (IMPORT_UNITS, 302)
    assert "Imported 2 units." in response.content.decode()
    assert sorted(Unit.objects.values_list("number", flat=True)) == ["101", "102"]


def test_a_file_with_a_bad_row_imports_nothing_and_the_page_lists_each_bad_line(site, manager, as_user):
    rows = [
        UNIT_HEADER,
        ["garden-a", "3", "101", "1", "88.5", "", "", "G1"],
        ["garden-a", "3", "102", "1", "-5", "", "", "G1"],
        ["garden-x", "3", "103", "1", "80", "", "", "G1"],
    ]

    response = as_user(manager).post(IMPORT_UNITS, {"file": csv_file(rows, name="mine.csv")})

    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was imported from mine.csv" in page
    errors = {(e.line, e.message) for e in response.context["refused"]}
    assert {line for line, _m in errors} == {3, 4}
    assert "<td>3</td>" in page and "<td>4</td>" in page
    assert "greater than 0" in page and "Unknown community code" in page
    assert Unit.objects.count() == 0


def test_an_oversize_upload_is_refused_with_a_message(site, manager, as_user, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 64
    rows = [UNIT_HEADER] + [["garden-a", "3", str(100 + i), "1", "88.5", "", "", "G1"] for i in range(10)]

    response = as_user(manager).post(IMPORT_UNITS, {"file": csv_file(rows)})

    assert response.status_code == 200
    assert "files up to" in response.context["form"].errors["file"][0]
    assert Unit.objects.count() == 0


def test_an_upload_of_the_wrong_type_is_refused_with_a_message(site, manager, as_user):
    response = as_user(manager).post(IMPORT_UNITS, {"file": csv_file([UNIT_HEADER], name="units.pdf")})
    assert "Upload a .csv or .xlsx file." in response.context["form"].errors["file"]

    disguised = csv_file([["not", "really"]], name="units.xlsx", content_type="text/csv")
    response = as_user(manager).post(IMPORT_UNITS, {"file": disguised})
    assert response.status_code == 422
    assert "not an Excel .xlsx workbook" in response.content.decode()
    assert Unit.objects.count() == 0


def test_an_office_manager_imports_residents(site, manager, as_user, unit):
    rows = [RESIDENT_HEADER, ["garden-a", "3", "1203", "Wang Wei", "13800000001", "", "owner", "2024-03-01"]]

    response = as_user(manager).post(IMPORT_RESIDENTS, {"file": csv_file(rows)}, follow=True)

    assert "Imported 1 residents (1 new accounts, 0 existing accounts)." in response.content.decode()
    membership = ResidentMembership.objects.get(unit=unit)
    assert membership.user.phone == "+8613800000001" and membership.source == "import" and membership.verified


def test_the_import_template_downloads_as_csv(site, manager, as_user):
    response = as_user(manager).get(reverse("properties_import_template", args=["units"]))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").strip() == ",".join(UNIT_HEADER)


@pytest.mark.parametrize("url", [IMPORT_UNITS, IMPORT_RESIDENTS, BATCH, MOVE])
def test_a_front_desk_clerk_may_not_use_the_tools(site, front_desk, as_user, url):
    response = as_user(front_desk).get(url)
    assert response.status_code == 302 and response["Location"] == HOME

    rows = [UNIT_HEADER, ["garden-a", "3", "101", "1", "88.5", "", "", "G1"]]
    as_user(front_desk).post(IMPORT_UNITS, {"file": csv_file(rows)})
    assert Unit.objects.count() == 0


def test_a_resident_never_reaches_the_back_office(site, as_user, unit):
    resident = ResidentMembershipFactory(unit=unit).user

    for url in (UNITS, unit_url("inspect", unit), IMPORT_UNITS):
        response = as_user(resident).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- batch creation and moving units -------------------------------------------------------


def batch_form(site, **overrides):
    data = {
        "building": site.building.pk,
        "first_floor": 1,
        "last_floor": 18,
        "units_per_floor": 4,
        "areas": "88.5, 92, 92, 120.35",
        "grid": site.grid.pk,
        "unit_type": "apartment",
        "status": "sold",
        "number_format": "{floor}{column:02d}",
    }
    data.update(overrides)
    return data


def test_an_office_manager_creates_a_building_s_units_in_one_go(site, manager, as_user):
    response = as_user(manager).post(BATCH, batch_form(site), follow=True)

    assert "Created 72 units" in response.content.decode()
    assert Unit.objects.filter(building=site.building).count() == 72
    assert Unit.objects.get(number="1804").floor_area == Decimal("120.35")


def test_a_batch_that_collides_with_an_existing_unit_changes_nothing_and_says_which(site, manager, as_user, unit):
    response = as_user(manager).post(BATCH, batch_form(site))

    assert response.status_code == 200
    assert "Unit 1203 already exists in building 3." in response.content.decode()
    assert Unit.objects.count() == 1


def test_a_batch_cannot_target_another_office_s_building(site, other_site, other_manager, as_user):
    response = as_user(other_manager).post(BATCH, batch_form(site, grid=other_site.grid.pk))

    assert "building" in response.context["form"].errors
    assert str(site.building.pk) not in option_values(response, "building")
    assert Unit.objects.count() == 0


def test_units_of_some_floors_move_to_another_grid(site, manager, as_user):
    for floor in (1, 2, 3):
        UnitFactory(building=site.building, grid=site.grid, number=f"{floor}01", floor=floor)
    east = GridFactory(community=site.community, name="East")

    as_user(manager).post(MOVE, {"building": site.building.pk, "first_floor": 2, "last_floor": 3, "grid": east.pk})

    assert dict(Unit.objects.values_list("number", "grid__name")) == {"101": "G1", "201": "East", "301": "East"}


# --- scoping: staff of another office ------------------------------------------------------


@pytest.mark.parametrize("view", ["edit", "delete", "inspect", "history", "usage"])
def test_staff_of_another_office_get_a_404_for_this_office_s_unit(unit, other_manager, as_user, view):
    assert as_user(other_manager).get(unit_url(view, unit)).status_code == 404


def test_staff_of_another_office_cannot_delete_or_change_this_office_s_unit(unit, other_manager, as_user):
    client = as_user(other_manager)
    assert client.post(unit_url("delete", unit)).status_code == 404
    assert client.post(unit_url("edit", unit), {"number": "666"}).status_code == 404
    unit.refresh_from_db()
    assert unit.number == "1203"


def test_listings_show_only_the_user_s_offices(site, other_site, unit, other_manager, manager, as_user):
    theirs = UnitFactory(building=other_site.building, grid=other_site.grid, number="501")

    mine = as_user(other_manager).get(UNITS)
    assert list(mine.context["object_list"]) == [theirs]
    assert "1203" not in mine.content.decode()

    for name in ("building", "grid", "community", "parkingspace"):
        listing = as_user(other_manager).get(reverse(f"properties_{name}:index"))
        assert site.community.name not in listing.content.decode(), name


def test_form_choices_offer_only_the_user_s_own_offices(site, other_site, housekeeper, other_manager, as_user):
    client = as_user(other_manager)

    unit_form = client.get(reverse("properties_unit:add"))
    assert option_values(unit_form, "building") == {str(other_site.building.pk)}
    assert option_values(unit_form, "grid") == {str(other_site.grid.pk)}

    grid_form = client.get(reverse("properties_grid:add"))
    assert option_values(grid_form, "community") == {str(other_site.community.pk)}
    assert str(housekeeper.pk) not in option_values(grid_form, "housekeeper")

    parking_form = client.get(reverse("properties_parkingspace:add"))
    assert option_values(parking_form, "community") == {str(other_site.community.pk)}

    filters = client.get(UNITS).context["filters"].form.fields
    assert {c.pk for c in filters["community"].queryset} == {other_site.community.pk}
    assert {b.pk for b in filters["building"].queryset} == {other_site.building.pk}


def test_posting_another_office_s_building_into_the_add_form_creates_nothing(site, other_site, other_manager, as_user):
    data = {"building": site.building.pk, "number": "999", "floor": 9, "floor_area": "80", "unit_type": "apartment"}
    data.update({"status": "sold", "grid": site.grid.pk})

    response = as_user(other_manager).post(reverse("properties_unit:add"), data)

    assert set(response.context["form"].errors) == {"building", "grid"}
    assert not Unit.objects.filter(number="999").exists()


def test_an_office_manager_edits_a_unit_of_their_office(unit, manager, as_user, site):
    data = {"building": site.building.pk, "number": "1203", "floor": 12, "floor_area": "93.25"}
    data.update({"unit_type": "duplex", "status": "vacant", "grid": site.grid.pk})

    response = as_user(manager).post(unit_url("edit", unit), data)

    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.floor_area, unit.unit_type, unit.status) == (Decimal("93.25"), "duplex", "vacant")


def test_a_unit_cannot_be_put_in_a_grid_of_another_community(unit, manager, as_user, site):
    elsewhere = GridFactory(community=BuildingFactory(community__office=site.office).community)
    data = {"building": site.building.pk, "number": "1203", "floor": 12, "floor_area": "92"}
    data.update({"unit_type": "apartment", "status": "sold", "grid": elsewhere.pk})

    response = as_user(manager).post(unit_url("edit", unit), data)

    assert "grid" in response.context["form"].errors
    unit.refresh_from_db()
    assert unit.grid == site.grid


def test_a_building_with_units_stays_in_its_community(unit, manager, as_user, site):
    elsewhere = CommunityFactory(office=site.office)
    data = {"community": elsewhere.pk, "name": "3", "floors": 18}

    response = as_user(manager).post(reverse("properties_building:edit", args=[site.building.pk]), data)

    assert "community" in response.context["form"].errors
    site.building.refresh_from_db()
    assert site.building.community == site.community


def test_a_grid_s_housekeeper_must_be_a_housekeeper_of_its_office(site, manager, housekeeper, front_desk, as_user):
    client = as_user(manager)
    refused = client.post(
        reverse("properties_grid:add"), {"community": site.community.pk, "name": "G2", "housekeeper": front_desk.pk}
    )
    assert "housekeeper" in refused.context["form"].errors

    client.post(
        reverse("properties_grid:add"), {"community": site.community.pk, "name": "G2", "housekeeper": housekeeper.pk}
    )
    assert site.community.grids.get(name="G2").housekeeper == housekeeper


def test_a_building_with_units_cannot_be_deleted(unit, manager, as_user, site):
    as_user(manager).post(reverse("properties_building:delete", args=[site.building.pk]))
    assert Building.objects.filter(pk=site.building.pk).exists()


def test_a_unit_with_residents_is_not_deleted_and_the_manager_is_told_why(unit, manager, as_user):
    ResidentMembershipFactory(unit=unit)

    response = as_user(manager).post(unit_url("delete", unit), follow=True)

    assert Unit.objects.filter(pk=unit.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("cannot be deleted while it still has resident memberships" in m for m in messages), messages


def test_only_headquarters_see_the_offices_screen(site, other_site, manager, headquarters, as_user):
    assert as_user(manager).get(reverse("properties_office:index"))["Location"] == HOME

    listing = as_user(headquarters).get(reverse("properties_office:index"))
    assert set(listing.context["object_list"]) == set(Office.objects.all())


# --- listing features ----------------------------------------------------------------------


def test_units_are_found_by_number_and_filtered_by_grid_and_status(site, manager, as_user):
    east = GridFactory(community=site.community, name="East")
    UnitFactory(building=site.building, grid=site.grid, number="1203", status="sold")
    UnitFactory(building=site.building, grid=east, number="1204", status="vacant")
    UnitFactory(building=site.building, grid=east, number="304", status="sold")
    client = as_user(manager)

    def numbers(query):
        return sorted(u.number for u in client.get(UNITS + query).context["object_list"])

    assert numbers("?q=120") == ["1203", "1204"]
    assert numbers(f"?grid={east.pk}") == ["1204", "304"]
    assert numbers(f"?grid={east.pk}&status=sold") == ["304"]
    assert numbers(f"?community={site.community.pk}&building={site.building.pk}") == ["1203", "1204", "304"]


# --- the unit lookup (联查) ------------------------------------------------------------------


def test_the_unit_lookup_shows_residents_history_parking_and_housekeeper(unit, site, front_desk, housekeeper, as_user):
    site.grid.housekeeper = housekeeper
    site.grid.save()
    ResidentMembershipFactory(unit=unit, user=UserFactory(full_name="Wang Wei"), role="owner")
    ResidentMembershipFactory(
        unit=unit,
        user=UserFactory(full_name="Old Tenant"),
        role="tenant",
        start_date="2020-01-01",
        end_date="2023-06-30",
    )
    ParkingSpace.objects.create(community=site.community, number="B-017", unit=unit)

    response = as_user(front_desk).get(unit_url("inspect", unit))

    assert response.status_code == 200
    assert [m.user.full_name for m in response.context["current_residents"]] == ["Wang Wei"]
    assert [m.user.full_name for m in response.context["past_residents"]] == ["Old Tenant"]
    page = response.content.decode()
    assert "B-017" in page and "Keeper A" in page and "+8613800000001" in page
    assert "Billing is not set up yet" in page  # no invented numbers before billing exists


def test_the_unit_lookup_offers_to_issue_an_invitation_to_those_who_may(unit, front_desk, as_user):
    response = as_user(front_desk).get(unit_url("inspect", unit))
    link = f"{reverse('people_invitations:add')}?unit={unit.pk}"
    assert link in response.content.decode()
    form = as_user(front_desk).get(link).context["form"]
    assert form.initial["number"] == unit.number


def test_the_unit_lookup_offers_no_invitation_to_roles_that_may_not_issue(unit, site, as_user):
    from portal.people.models import StaffRole

    technician = staff(StaffRole.TECHNICIAN, site.office)
    response = as_user(technician).get(unit_url("inspect", unit))
    assert response.status_code == 200
    assert "people/invitations/new" not in response.content.decode()


# --- query counts stay flat as rows grow -----------------------------------------------------


def grow(site, n, start):
    keeper = UserFactory()
    for i in range(n):
        grid = GridFactory(community=site.community, housekeeper=keeper)
        building = BuildingFactory(community=site.community)
        unit = UnitFactory(building=building, grid=grid, number=str(start + i))
        ParkingSpace.objects.create(community=site.community, number=f"P{start + i}", unit=unit)
        CommunityFactory(office=site.office)


@pytest.mark.parametrize("name", ["unit", "building", "grid", "parkingspace", "community"])
def test_list_pages_do_a_fixed_number_of_queries(site, headquarters, as_user, django_assert_max_num_queries, name):
    url = reverse(f"properties_{name}:index")
    client = as_user(headquarters)
    grow(site, 3, 100)
    client.get(url)  # warm per-process caches (content types, site settings)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    assert len(few.captured_queries) <= 30
    grow(site, 15, 200)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["object_list"]) > 15


def test_in_chinese_the_template_has_chinese_column_names(site, manager, as_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = as_user(manager)

    assert "小区编码" in client.get(IMPORT_UNITS).content.decode()
    template = client.get(reverse("properties_import_template", args=["residents"]))
    assert template.content.decode("utf-8-sig").startswith("小区编码,楼栋,房号,姓名,手机,邮箱,身份,入住日期")
