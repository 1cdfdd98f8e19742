"""Every staff write is recorded (who, from where, when, what, before/after); entries never change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.audit.context import acting_as
from portal.audit.models import AppendOnlyError, AuditEntry
from portal.audit.recorder import record_action
from portal.people.models import ResidentMembership, StaffRole
from tests.factories import ResidentMembershipFactory, UserFactory

from .conftest import change_area

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.audit.urls")]


def test_a_staff_edit_over_http_records_who_from_where_when_what_and_the_change(
    client, unit_a, office_a, make_staff, no_staff_2fa
):
    clerk = make_staff(StaffRole.FRONT_DESK, office_a, full_name="陈静")
    client.force_login(clerk)
    before = timezone.now()

    response = client.post(
        f"/audit-test/units/{unit_a.pk}/floor-area/", {"floor_area": "92.3"}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(object_type="properties.Unit")
    assert entry.actor_id == clerk.pk
    assert entry.actor_label == "陈静"
    assert entry.ip_address == "203.0.113.7"
    assert before <= entry.at <= timezone.now()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.object_id == str(unit_a.pk)
    assert entry.object_label == str(unit_a)
    assert entry.office_id == office_a.pk
    assert entry.company_id == office_a.region.company_id
    assert entry.changes == {"changed": {"floor_area": ["89.50", "92.30"]}}


def test_a_forged_forwarded_for_header_is_not_taken_as_the_address(client, unit_a, office_a, make_staff, no_staff_2fa):
    client.force_login(make_staff(StaffRole.FRONT_DESK, office_a))

    client.post(
        f"/audit-test/units/{unit_a.pk}/floor-area/",
        {"floor_area": "95"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert AuditEntry.objects.get().ip_address == "203.0.113.7"


def test_the_forwarded_address_is_used_when_the_deployment_trusts_its_proxy(
    client, settings, unit_a, office_a, make_staff, no_staff_2fa
):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    client.force_login(make_staff(StaffRole.FRONT_DESK, office_a))

    client.post(
        f"/audit-test/units/{unit_a.pk}/floor-area/",
        {"floor_area": "95"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 127.0.0.1",
    )

    assert AuditEntry.objects.get().ip_address == "203.0.113.9"


def test_saving_without_a_real_change_records_nothing(client, unit_a, office_a, make_staff, no_staff_2fa):
    client.force_login(make_staff(StaffRole.FRONT_DESK, office_a))

    # "89.5" typed in a form is the stored 89.50: not a change.
    client.post(f"/audit-test/units/{unit_a.pk}/floor-area/", {"floor_area": "89.5"})

    assert not AuditEntry.objects.exists()


def test_a_residents_own_write_is_not_recorded_as_staff(client, unit_a):
    resident = ResidentMembershipFactory(unit=unit_a).user
    client.force_login(resident)

    response = client.post("/audit-test/me/", {"full_name": "李晓梅"})

    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.full_name == "李晓梅"
    assert not AuditEntry.objects.exists()


def test_a_staff_members_write_with_no_office_belongs_to_their_company(
    client, office_a, make_staff, no_staff_2fa
):
    manager = make_staff(StaffRole.OFFICE_MANAGER, office_a)
    client.force_login(manager)

    client.post("/audit-test/me/", {"full_name": "孙明"}, REMOTE_ADDR="203.0.113.7")

    entry = AuditEntry.objects.get(object_type="people.User")
    assert entry.office_id is None
    assert entry.company_id == office_a.region.company_id
    assert entry.changes["changed"]["full_name"][1] == "孙明"
    assert "password" not in entry.changes["changed"]


def test_creating_and_deleting_under_a_staff_actor_records_the_whole_object(unit_a, office_a, make_staff):
    clerk = make_staff(StaffRole.FRONT_DESK, office_a)
    resident = UserFactory()

    with acting_as(clerk, "198.51.100.20"):
        membership = ResidentMembership.objects.create(user=resident, unit=unit_a, role="owner")
        membership_pk = membership.pk
        membership.delete()

    created, deleted = AuditEntry.objects.filter(object_type="people.ResidentMembership").order_by("id")
    assert created.action == "create" and deleted.action == "delete"
    assert created.object_id == deleted.object_id == str(membership_pk)
    assert created.changes["after"]["unit_id"] == unit_a.pk
    assert deleted.changes["before"]["role"] == "owner"
    assert created.office_id == deleted.office_id == office_a.pk


def test_a_recorded_action_keeps_its_summary_and_details(unit_a, office_a, make_staff):
    clerk = make_staff(StaffRole.BILLING_CLERK, office_a)

    with acting_as(clerk):
        entry = record_action(unit_a, "Imported 12 meter readings", {"rows": 12})

    assert entry.action == "action" and entry.summary == "Imported 12 meter readings"
    assert entry.changes == {"rows": 12}


def test_writes_outside_any_request_or_task_are_not_recorded(unit_a):
    unit_a.floor_area = Decimal("99.00")
    unit_a.save()

    assert not AuditEntry.objects.exists()


# --- append-only ---------------------------------------------------------------------------------


@pytest.fixture
def entry(unit_a, office_a, make_staff):
    change_area(unit_a, "91.00", by=make_staff(StaffRole.FRONT_DESK, office_a))
    return AuditEntry.objects.get()


def test_an_entry_cannot_be_edited_through_the_orm(entry):
    entry.summary = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["summary"])
    entry.refresh_from_db()
    assert entry.summary == ""


def test_an_entry_cannot_be_deleted_through_the_orm(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _raw_sql_is_refused(entry):
    table = AuditEntry._meta.db_table
    statements = [
        (f"UPDATE {table} SET summary = %s WHERE id = %s", ["forged", entry.pk]),
        (f"UPDATE {table} SET at = %s WHERE id = %s", [timezone.now() - timedelta(days=400), entry.pk]),
    ]
    if connection.vendor == "postgresql":
        statements.append((f"DELETE FROM {table} WHERE id = %s", [entry.pk]))
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    entry.refresh_from_db()
    assert entry.summary == ""


def test_raw_sql_cannot_edit_an_entry(entry):
    _raw_sql_is_refused(entry)


@pytest.mark.postgres
def test_raw_sql_cannot_edit_or_delete_an_entry_on_postgresql(entry):
    assert connection.vendor == "postgresql"
    _raw_sql_is_refused(entry)


def test_new_entries_can_still_be_appended(entry, unit_a, office_a, make_staff):
    change_area(unit_a, "93.00", by=make_staff(StaffRole.FRONT_DESK, office_a))
    assert AuditEntry.objects.count() == 2
