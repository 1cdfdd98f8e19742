"""The audit log screen: read-only, office managers see their offices, headquarters their company."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.people.models import StaffRole
from tests.factories import OfficeFactory, ResidentMembershipFactory, StaffMembershipFactory, UserFactory

from .conftest import change_area

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_2fa")]

LIST_URL = "/backoffice/audit/"


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions below read English labels; the product's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"


def detail_url(entry):
    return reverse("audit:inspect", args=[entry.pk])


@pytest.fixture
def clerk_a(make_staff, office_a):
    return make_staff(StaffRole.FRONT_DESK, office_a, full_name="陈静")


@pytest.fixture
def clerk_b(make_staff, office_b):
    return make_staff(StaffRole.FRONT_DESK, office_b, full_name="黄立新")


@pytest.fixture
def manager_a(make_staff, office_a):
    return make_staff(StaffRole.OFFICE_MANAGER, office_a, full_name="孙明")


@pytest.fixture
def manager_b(make_staff, office_b):
    return make_staff(StaffRole.OFFICE_MANAGER, office_b, full_name="邓海燕")


@pytest.fixture
def entry_a(unit_a, clerk_a):
    change_area(unit_a, "92.30", by=clerk_a, ip="203.0.113.7")
    return AuditEntry.objects.get(object_id=str(unit_a.pk), object_type="properties.Unit")


@pytest.fixture
def entry_b(unit_b, clerk_b):
    change_area(unit_b, "118.00", by=clerk_b)
    return AuditEntry.objects.get(object_id=str(unit_b.pk), object_type="properties.Unit")


def listed_ids(response):
    return {entry.pk for entry in response.context["object_list"]}


def test_an_office_manager_sees_the_entries_of_their_own_office_only(client, manager_a, entry_a, entry_b):
    client.force_login(manager_a)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert listed_ids(response) == {entry_a.pk}
    content = response.content.decode()
    assert "陈静" in content
    assert "Floor area (m²)" in content  # what changed, named as on the unit's form
    assert "黄立新" not in content  # not even as a choice in the "who" filter


def test_headquarters_see_every_office_of_their_company_and_no_other(client, make_staff, office_a, entry_a, entry_b):
    hq = make_staff(StaffRole.HEADQUARTERS, office_a)
    other_company_hq = make_staff(StaffRole.HEADQUARTERS, OfficeFactory())

    client.force_login(hq)
    assert listed_ids(client.get(LIST_URL)) == {entry_a.pk, entry_b.pk}

    client.force_login(other_company_hq)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert listed_ids(response) == set()
    assert client.get(detail_url(entry_a)).status_code == 404


def test_a_front_desk_clerk_is_refused_the_audit_log(client, clerk_a, entry_a):
    client.force_login(clerk_a)

    # Wagtail answers a refusal by sending the user back to the dashboard with a message.
    for url in (LIST_URL, detail_url(entry_a)):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/backoffice/")
    dashboard = client.get("/backoffice/")
    assert dashboard.status_code == 200
    assert LIST_URL not in dashboard.content.decode()


def test_the_menu_offers_the_audit_log_to_an_office_manager(client, manager_a):
    client.force_login(manager_a)

    assert LIST_URL in client.get("/backoffice/").content.decode()


def test_a_resident_cannot_reach_the_audit_log(client, unit_a, entry_a):
    client.force_login(ResidentMembershipFactory(unit=unit_a).user)

    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_manager_of_another_office_cannot_open_an_entry(client, manager_b, entry_a, entry_b):
    client.force_login(manager_b)

    assert client.get(detail_url(entry_a)).status_code == 404
    assert listed_ids(client.get(LIST_URL)) == {entry_b.pk}


def test_the_detail_shows_who_where_what_and_before_and_after_as_a_table(client, manager_a, entry_a, office_a):
    client.force_login(manager_a)

    response = client.get(detail_url(entry_a))

    assert response.status_code == 200
    content = response.content.decode()
    assert "陈静" in content
    assert "203.0.113.7" in content
    assert office_a.name in content
    assert "data-audit-changes" in content
    rows = response.context["rows"]
    assert [(str(r.field), r.before, r.after) for r in rows] == [("Floor area (m²)", "89.50", "92.30")]


def test_the_detail_names_choices_and_related_objects_instead_of_codes(client, manager_a, clerk_a, unit_a):
    from portal.audit.context import acting_as
    from portal.people.models import ResidentMembership
    from tests.factories import UserFactory

    with acting_as(clerk_a):
        ResidentMembership.objects.create(user=UserFactory(full_name="李晓梅"), unit=unit_a, role="tenant")
    entry = AuditEntry.objects.get(object_type="people.ResidentMembership")
    client.force_login(manager_a)

    rows = {str(r.field): (r.before, r.after) for r in client.get(detail_url(entry)).context["rows"]}

    assert rows["Role"] == ("", "Tenant")
    assert rows["User"] == ("", "李晓梅")
    assert rows["Unit"] == ("", str(unit_a))
    assert rows["Moved out"] == ("", "(empty)")


def test_there_is_no_way_to_add_edit_or_delete_an_entry(client, manager_a, make_staff, office_a, entry_a):
    for name, args in [("add", []), ("edit", [entry_a.pk]), ("delete", [entry_a.pk]), ("copy", [entry_a.pk])]:
        with pytest.raises(NoReverseMatch):
            reverse(f"audit:{name}", args=args)
    for user in (manager_a, make_staff(StaffRole.HEADQUARTERS, office_a)):
        client.force_login(user)
        for path in ("new/", f"edit/{entry_a.pk}/", f"delete/{entry_a.pk}/", f"copy/{entry_a.pk}/"):
            assert client.get(LIST_URL + path).status_code == 404
            assert client.post(LIST_URL + path).status_code == 404
        assert client.post(detail_url(entry_a)).status_code == 405
        listing = client.get(LIST_URL).content.decode()
        assert "/backoffice/audit/edit/" not in listing and "/backoffice/audit/delete/" not in listing
        assert "/backoffice/audit/new/" not in listing
    assert AuditEntry.objects.filter(pk=entry_a.pk).exists()


def test_filters_narrow_the_list_by_date_actor_action_and_object_type(client, manager_a, office_a, unit_a, entry_a):
    technician = StaffMembershipFactory(
        user=UserFactory(full_name="刘建国"),
        office=office_a,
        role=StaffRole.TECHNICIAN,
        start_date=timezone.localdate() - timedelta(days=100),
    ).user
    long_ago = timezone.now() - timedelta(days=40)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        change_area(unit_a, "95.00", by=technician)
    old_entry = AuditEntry.objects.get(actor_id=technician.pk)
    client.force_login(manager_a)

    assert listed_ids(client.get(LIST_URL)) == {entry_a.pk, old_entry.pk}
    assert listed_ids(client.get(LIST_URL, {"actor": technician.pk})) == {old_entry.pk}
    recent = {"at_from": (timezone.localdate() - timedelta(days=7)).isoformat()}
    assert listed_ids(client.get(LIST_URL, recent)) == {entry_a.pk}
    assert listed_ids(client.get(LIST_URL, {"action": "update", "object_type": "properties.Unit"})) == {
        entry_a.pk,
        old_entry.pk,
    }
    assert listed_ids(client.get(LIST_URL, {"action": "delete"})) == set()
    assert listed_ids(client.get(LIST_URL, {"q": "刘建国"})) == {old_entry.pk}
    assert listed_ids(client.get(LIST_URL, {"q": unit_a.label})) == {entry_a.pk, old_entry.pk}


def test_the_list_page_needs_the_same_number_of_queries_for_3_or_30_entries(client, manager_a, clerk_a, unit_a):
    client.force_login(manager_a)

    def queries_for_list():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST_URL).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        change_area(unit_a, f"{90 + i}.00", by=clerk_a)
    few = queries_for_list()
    for i in range(27):
        change_area(unit_a, f"{100 + i}.00", by=clerk_a)
    many = queries_for_list()

    assert AuditEntry.objects.count() == 30
    assert many == few
