"""The platform's back-office screens: merchants, categories, scoped to the platform's company."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.marketplace.models import Category, Merchant

pytestmark = pytest.mark.django_db


def test_the_merchant_list_shows_the_platforms_merchants_only(client, merchant, platform, other_company_hq):
    client.force_login(platform)
    assert "Fresh Fruit" in client.get(reverse("market_admin_merchants")).content.decode()
    client.force_login(other_company_hq)
    assert "Fresh Fruit" not in client.get(reverse("market_admin_merchants")).content.decode()


def test_office_staff_and_residents_do_not_see_the_platform_screens(client, other_manager, resident):
    for user in (other_manager, resident):
        client.force_login(user)
        for name in ("market_admin_merchants", "market_admin_settlements", "market_admin_report"):
            assert client.get(reverse(name)).status_code in (302, 403), (user, name)


def test_the_platform_sets_category_rates_and_a_merchant_override(client, merchant, fruit, platform):
    client.force_login(platform)
    client.post(reverse("market_admin_categories"), {"name": "Flowers", "commission_rate": "0.1500", "order": "3"})
    assert Category.objects.get(name="Flowers").commission_rate == Decimal("0.1500")
    client.post(
        reverse("market_admin_categories"), {"pk": fruit.pk, "name": "Fruit", "commission_rate": "2", "order": "0"}
    )
    fruit.refresh_from_db()
    assert fruit.commission_rate == Decimal("0.1000")  # a rate of 200 % is refused

    client.post(reverse("market_admin_merchant", args=[merchant.pk]), {"action": "rate", "commission_rate": "0.04"})
    assert Merchant.objects.get(pk=merchant.pk).commission_rate == Decimal("0.0400")


def test_the_group_buy_and_expiry_schedules_are_registered():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "commerce.marketplace.tasks.decide_due_group_buys",
        "commerce.marketplace.tasks.expire_unpaid_orders",
    } <= tasks
