"""Back office: staff of the unit's office approve or reject join requests, following TRANSITIONS."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.people import services
from portal.people.models import JoinRequest, ResidentMembership
from tests.factories import JoinRequestFactory

from .conftest import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    return JoinRequestFactory(unit=world.north.units[1], role="tenant")


def decide_url(join_request):
    return reverse("people_join_requests:decide", args=[join_request.pk])


def test_front_desk_sees_pending_requests_of_their_office_only(client, front_desk, pending, world):
    other = JoinRequestFactory(unit=world.south.units[0], message="south message")
    client.force_login(front_desk)

    page = client.get(reverse("people_join_requests:index")).content.decode()

    assert pending.message in page
    assert other.message not in page


def test_approving_a_request_over_http_attaches_the_person_to_the_unit(client, front_desk, pending):
    client.force_login(front_desk)

    response = client.post(decide_url(pending), {"approve": "1"})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", front_desk)
    membership = ResidentMembership.objects.get(user=pending.user)
    assert (membership.unit, membership.role, membership.source, membership.verified) == (
        pending.unit, "tenant", "approval", True)


def test_rejecting_needs_a_reason_which_the_resident_then_sees(client, front_desk, pending):
    client.force_login(front_desk)

    without_reason = client.post(decide_url(pending), {"reject": "1", "reason": "  "})
    assert without_reason.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "pending"

    client.post(decide_url(pending), {"reject": "1", "reason": "The owner does not know you."})
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == ("rejected", "The owner does not know you.")
    assert not ResidentMembership.objects.filter(user=pending.user).exists()

    client.force_login(pending.user)
    assert "The owner does not know you." in client.get(reverse("join")).content.decode()


def test_staff_of_another_office_get_404_and_cannot_decide(client, other_office_staff, pending):
    client.force_login(other_office_staff)

    assert client.get(decide_url(pending)).status_code == 404
    assert client.post(decide_url(pending), {"approve": "1"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_the_requester_cannot_approve_their_own_request(client, pending):
    client.force_login(pending.user)
    assert_refused(client.post(decide_url(pending), {"approve": "1"}))
    with pytest.raises(PermissionDenied):
        services.approve_join_request(pending.user, pending)
    assert not ResidentMembership.objects.filter(user=pending.user).exists()


def test_a_transition_not_in_the_table_raises(front_desk, pending):
    services.reject_join_request(front_desk, pending, "Unknown person")
    assert JoinRequest.Status.APPROVED not in JoinRequest.TRANSITIONS[JoinRequest.Status.REJECTED]

    with pytest.raises(services.InvalidTransition):
        services.approve_join_request(front_desk, pending)
    with pytest.raises(services.InvalidTransition):
        services.reject_join_request(front_desk, pending, "again")

    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert not ResidentMembership.objects.filter(user=pending.user).exists()


def test_approving_twice_over_http_is_refused_with_a_message(client, front_desk, pending):
    client.force_login(front_desk)
    client.post(decide_url(pending), {"approve": "1"})

    response = client.post(decide_url(pending), {"approve": "1"}, follow=True)

    assert "already approved" in response.content.decode()
    assert ResidentMembership.objects.filter(user=pending.user).count() == 1
