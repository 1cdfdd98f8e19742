"""On PostgreSQL, concurrent buyers never take stock below zero: 30 orders for the last 5 items sell 5."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commerce.marketplace import services
from commerce.marketplace.models import Order, Variant
from tests.factories import AccountFactory, ResidentMembershipFactory, UnitFactory

from .conftest import make_merchant, make_variant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 30


def test_thirty_concurrent_orders_for_the_last_five_items_sell_exactly_five(company, site, fruit):
    merchant = make_merchant(company, [site.community], [fruit], name="Last Lychees")
    variant = make_variant(merchant, fruit, name="Lychees", price="9.90", stock=5)
    buyers = []
    for n in range(BUYERS):
        user = AccountFactory()
        unit = UnitFactory(building=site.building, grid=site.grid, number=f"{n + 1:02d}01")
        ResidentMembershipFactory(user=user, unit=unit)
        buyers.append((user, unit))
    start = threading.Barrier(BUYERS)
    sold, refused, errors = [], [], []

    def buy(user, unit):
        try:
            start.wait()
            order = services.place_order(user, unit, merchant, [(variant, 1)], fulfilment="delivery")
            services.charge(order)
            sold.append(order.pk)
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=buyer) for buyer in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(sold) == 5 and len(refused) == BUYERS - 5
    assert all("Only 0 of Lychees" in message or "left" in message for message in refused)
    assert Variant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == 5
    assert sum(Order.objects.values_list("total", flat=True), Decimal("0")) == Decimal("49.50")
