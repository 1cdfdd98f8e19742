"""The back-office screens (policy, a bill's adjustments, the approvals queue) and the resident's bill page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.adjustments import latefees, waivers
from commerce.adjustments.models import AdjustmentRequest, BillAdjustment, LateFeePolicy
from commerce.payments import services as payments

from .conftest import accrue

pytestmark = pytest.mark.django_db

D = Decimal


def text(response):
    return response.content.decode()


def test_a_manager_sets_the_office_policy(client, site, manager):
    client.force_login(manager)
    assert site.office.name in text(client.get(reverse("adjustments_policies:index")))
    url = reverse("adjustments_policies:edit", args=[site.office.pk])
    data = {"mode": "daily_rate", "daily_rate": "0.0003", "due_days": "15", "grace_days": "3", "cap_percent": "10"}
    response = client.post(url, {**data, "starts_on": "2025-01-01"})
    assert response.status_code == 302
    policy = LateFeePolicy.objects.get(office=site.office)
    assert (policy.daily_rate, policy.grace_days, policy.cap_percent, policy.updated_by) == (
        D("0.0003"),
        3,
        D("10"),
        manager,
    )


@pytest.mark.parametrize(
    ("rate", "message"),
    [("0.02", "at most 0.01"), ("0", "more than 0"), ("", "Give the daily rate")],
)
def test_a_bad_policy_is_shown_back_and_saves_nothing(client, site, manager, rate, message):
    client.force_login(manager)
    response = client.post(
        reverse("adjustments_policies:edit", args=[site.office.pk]),
        {"mode": "daily_rate", "daily_rate": rate, "due_days": "15", "grace_days": "0", "starts_on": "2025-01-01"},
    )
    assert response.status_code == 200 and message in text(response)
    assert not LateFeePolicy.objects.exists()


def test_policies_are_for_managers_of_the_office(client, site, clerk, other_manager):
    client.force_login(clerk)
    refused = client.get(reverse("adjustments_policies:index"))  # Wagtail turns the 403 into a redirect home
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    client.force_login(other_manager)
    assert client.get(reverse("adjustments_policies:edit", args=[site.office.pk])).status_code == 404
    assert site.office.name not in text(client.get(reverse("adjustments_policies:index")))


def test_a_clerk_finds_the_bill_and_asks_for_a_waiver(client, site, unit, bills, clerk, policy):
    accrue(site.office, "2025-02-25")
    jan = bills[0]
    client.force_login(clerk)
    found = client.get(
        reverse("adjustments_bills:index"), {"community": site.community.pk, "building": "3", "number": "1101"}
    )
    assert found.status_code == 302
    listing = text(client.get(found["Location"]))
    assert "¥101.00" in listing and reverse("adjustments_bills:detail", args=[jan.pk]) in listing
    url = reverse("adjustments_bills:detail", args=[jan.pk])
    page = text(client.get(url))
    assert "¥1.00" in page and "Waive late fees" not in page  # a clerk cannot waive late fees
    bad = client.post(url, {"action": "request", "kind": "waiver", "amount": "500", "reason": "Leak"})
    assert "more than the ¥100.00 of charges" in text(bad)
    assert not AdjustmentRequest.objects.exists()
    client.post(url, {"action": "request", "kind": "waiver", "amount": "20", "reason": "Leak"})
    request = AdjustmentRequest.objects.get()
    assert (request.amount, request.requested_by, request.status) == (D("20.00"), clerk, "requested")


def test_the_manager_approves_from_the_queue(client, unit, bills, clerk, manager):
    request = waivers.request_adjustment(bills[0], clerk, "discount", "Promotion", amount="15")
    client.force_login(manager)
    queue = text(client.get(reverse("adjustments_requests:index")))
    assert "Promotion" in queue and 'value="approve"' in queue
    response = client.post(reverse("adjustments_requests:action", args=[request.pk]), {"action": "approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == manager
    assert payments.outstanding(bills[0]) == D("85.00")
    assert "Promotion" not in text(client.get(reverse("adjustments_requests:index")))  # no longer waiting
    assert "Promotion" in text(client.get(reverse("adjustments_requests:index"), {"status": "approved"}))


def test_the_queue_offers_no_decision_on_ones_own_request(client, bills, manager):
    waivers.request_adjustment(bills[0], manager, "waiver", "Mine", amount="5")
    client.force_login(manager)
    queue = text(client.get(reverse("adjustments_requests:index")))
    assert "Mine" in queue and 'value="approve"' not in queue and 'value="withdraw"' in queue


def test_a_clerk_cannot_approve_by_posting(client, bills, clerk, front_desk):
    request = waivers.request_adjustment(bills[0], front_desk, "waiver", "Goodwill", amount="5")
    client.force_login(clerk)
    response = client.post(
        reverse("adjustments_requests:action", args=[request.pk]), {"action": "approve"}, follow=True
    )
    assert "Only a manager of this office" in text(response)
    request.refresh_from_db()
    assert request.status == "requested" and not BillAdjustment.objects.exists()


def test_another_office_sees_nothing(client, bills, clerk, other_manager):
    request = waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="5")
    client.force_login(other_manager)
    assert client.get(reverse("adjustments_bills:detail", args=[bills[0].pk])).status_code == 404
    assert client.get(reverse("adjustments_bills:index"), {"unit": bills[0].unit_id}).status_code == 404
    assert (
        client.post(reverse("adjustments_requests:action", args=[request.pk]), {"action": "approve"}).status_code == 404
    )
    assert "Goodwill" not in text(client.get(reverse("adjustments_requests:index")))
    request.refresh_from_db()
    assert request.status == "requested"


def test_a_manager_waives_late_fees_on_the_bill_page(client, site, bills, manager, policy):
    accrue(site.office, "2025-02-25")
    jan = bills[0]
    client.force_login(manager)
    url = reverse("adjustments_bills:detail", args=[jan.pk])
    page = text(client.get(url))
    assert "Waive late fees" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"action": "waive_late_fees", "amount": "0.60", "reason": "First time", "token": token}
    client.post(url, data)
    client.post(url, data)  # a double submit waives once
    assert latefees.waivable_late_fees(jan) == D("0.40")
    too_much = client.post(url, {**data, "amount": "5", "token": "other"})
    assert "more than the ¥0.40 of late fees left" in text(too_much)


def test_the_resident_sees_late_fees_and_waivers_on_the_bill(client, site, bills, resident, neighbour, clerk, manager):
    from .conftest import make_policy

    make_policy(site.office)
    accrue(site.office, "2025-02-25")
    jan = bills[0]
    latefees.waive_late_fees(jan, manager, "First time late", "0.40")
    waivers.approve(waivers.request_adjustment(jan, clerk, "discount", "Elderly household", amount="10"), manager)
    client.force_login(resident)
    page = text(client.get(reverse("my_bill", args=[jan.pk])))
    assert "Late fee" in page and "10 days overdue, 2025-02-16 to 2025-02-25" in page and "¥1.00" in page
    assert "Late fee waived" in page and "-¥0.40" in page and "First time late" in page
    assert "Discount" in page and "-¥10.00" in page
    assert "¥90.60" in page  # still to pay: 100 + 1.00 − 0.40 − 10
    feb_page = text(client.get(reverse("my_bill", args=[bills[1].pk])))
    assert "Late fee" not in feb_page
    client.force_login(neighbour)
    assert client.get(reverse("my_bill", args=[jan.pk])).status_code == 404


def test_the_unit_lookup_links_to_the_bills_adjustments(client, unit, bills, clerk):
    client.force_login(clerk)
    page = text(client.get(reverse("properties_unit:inspect", args=[unit.pk])))
    assert f"{reverse('adjustments_bills:index')}?unit={unit.pk}" in page
