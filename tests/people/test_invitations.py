"""Invitation codes: issued by the unit's office, used once, refused with a reason that helps."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from portal.people import services
from portal.people.models import Invitation, ResidentMembership, ResidentRole, StaffRole
from tests.factories import AccountFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def test_front_desk_issues_a_code_from_an_unambiguous_alphabet(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[0], ResidentRole.OWNER, "Mr Wang")

    assert len(invitation.code) == services.CODE_LENGTH
    assert set(invitation.code) <= set(services.CODE_ALPHABET)
    assert not set("0O1IL") & set(invitation.code)
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert invitation.issued_by == front_desk


@pytest.mark.parametrize("role", [StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER, StaffRole.HEADQUARTERS])
def test_housekeepers_managers_and_headquarters_may_issue_codes(make_staff, world, role):
    staff = make_staff(role, world.north.office)
    assert services.issue_invitation(staff, world.north.units[0], ResidentRole.TENANT).pk


def test_staff_of_another_office_cannot_issue_a_code_for_this_unit(other_office_staff, world):
    with pytest.raises(PermissionDenied):
        services.issue_invitation(other_office_staff, world.north.units[0], ResidentRole.OWNER)


@pytest.mark.parametrize("role", [StaffRole.TECHNICIAN, StaffRole.BILLING_CLERK])
def test_technicians_and_billing_clerks_cannot_issue_codes(make_staff, world, role):
    with pytest.raises(PermissionDenied):
        services.issue_invitation(make_staff(role, world.north.office), world.north.units[0], ResidentRole.OWNER)


def test_a_resident_cannot_issue_codes_even_for_their_own_unit(resident, world):
    with pytest.raises(PermissionDenied):
        services.issue_invitation(resident, world.north.units[0], ResidentRole.FAMILY)


def test_redeeming_a_code_creates_a_verified_membership_of_that_unit(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[1], ResidentRole.TENANT)
    newcomer = AccountFactory()

    membership = services.redeem_invitation(newcomer, world.north.community, invitation.code.lower())

    assert (membership.unit, membership.role, membership.verified) == (world.north.units[1], "tenant", True)
    assert membership.source == ResidentMembership.Source.INVITATION
    invitation.refresh_from_db()
    assert invitation.used_by == newcomer and invitation.used_at is not None


def test_a_code_may_be_typed_with_spaces_dashes_and_lower_case(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[1], ResidentRole.OWNER)
    typed = f" {invitation.code[:4].lower()} - {invitation.code[4:]} "
    assert services.redeem_invitation(AccountFactory(), world.north.community, typed).pk


def test_a_second_redemption_of_the_same_code_is_refused(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[1], ResidentRole.OWNER)
    services.redeem_invitation(AccountFactory(), world.north.community, invitation.code)
    latecomer = AccountFactory()

    with pytest.raises(services.InvitationError) as refused:
        services.redeem_invitation(latecomer, world.north.community, invitation.code)

    assert refused.value.code == "used"
    assert "already been used" in refused.value.message
    assert not ResidentMembership.objects.filter(user=latecomer).exists()


def test_an_expired_code_is_refused(world):
    invitation = InvitationFactory(unit=world.north.units[0], expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.InvitationError) as refused:
        services.redeem_invitation(AccountFactory(), world.north.community, invitation.code)
    assert refused.value.code == "expired"
    assert "expired" in refused.value.message


def test_a_code_of_another_community_is_refused_as_wrong_community(world):
    invitation = InvitationFactory(unit=world.south.units[0])
    with pytest.raises(services.InvitationError) as refused:
        services.redeem_invitation(AccountFactory(), world.north.community, invitation.code)
    assert refused.value.code == "wrong_community"
    assert "another community" in refused.value.message
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_a_revoked_code_is_refused(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[0], ResidentRole.OWNER)
    services.revoke_invitation(front_desk, invitation)
    with pytest.raises(services.InvitationError) as refused:
        services.redeem_invitation(AccountFactory(), world.north.community, invitation.code)
    assert refused.value.code == "revoked"
    assert "withdrawn" in refused.value.message


def test_an_unknown_code_is_refused(world):
    with pytest.raises(services.InvitationError) as refused:
        services.redeem_invitation(AccountFactory(), world.north.community, "ZZZZ-9999")
    assert refused.value.code == "unknown"


def test_each_refusal_has_its_own_message(world):
    messages = set()
    for make in {
        "unknown": lambda: "QQQQ2222",
        "expired": lambda: InvitationFactory(
            unit=world.north.units[0], expires_at=timezone.now() - timedelta(days=1)
        ).code,
        "wrong": lambda: InvitationFactory(unit=world.south.units[0]).code,
        "revoked": lambda: InvitationFactory(unit=world.north.units[0], revoked_at=timezone.now()).code,
        "used": lambda: InvitationFactory(unit=world.north.units[0], used_at=timezone.now()).code,
    }.values():
        with pytest.raises(services.InvitationError) as refused:
            services.redeem_invitation(AccountFactory(), world.north.community, make())
        messages.add(refused.value.message)
    assert len(messages) == 5


def test_a_used_code_cannot_be_revoked_and_the_office_is_told_to_move_out_instead(front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[0], ResidentRole.OWNER)
    services.redeem_invitation(AccountFactory(), world.north.community, invitation.code)
    with pytest.raises(services.InvitationError, match="move the resident out"):
        services.revoke_invitation(front_desk, invitation)


def test_staff_of_another_office_cannot_revoke_a_code(front_desk, other_office_staff, world):
    invitation = services.issue_invitation(front_desk, world.north.units[0], ResidentRole.OWNER)
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(other_office_staff, invitation)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_of_one_code_let_exactly_one_person_in(world):
    invitation = InvitationFactory(unit=world.north.units[0])
    people = [AccountFactory(), AccountFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem(user):
        try:
            barrier.wait()
            services.redeem_invitation(user, world.north.community, invitation.code)
            outcomes.append("joined")
        except services.InvitationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["joined", "used"]
    assert ResidentMembership.objects.filter(unit=world.north.units[0], user__in=people).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).used_by in people
