"""The storefront of the resident's community: search, filters, monthly specials; the demo data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.marketplace.models import Merchant, Variant
from portal import demo
from portal.properties.models import Community, Company
from tests.factories import CommunityFactory, OfficeFactory, RegionFactory

from .conftest import make_merchant, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(company, site, other_site, merchant, other_merchant, fruit, grocery):
    month = timezone.localdate().replace(day=1)
    apples = make_variant(merchant, fruit, name="Fuji apples", price="12.80")
    Variant.objects.filter(pk=apples.pk).update(special_price=Decimal("9.90"), special_month=month)
    make_variant(merchant, fruit, name="Pears", price="6.00")
    old = make_variant(merchant, fruit, name="Old special plums", price="20.00")
    Variant.objects.filter(pk=old.pk).update(
        special_price=Decimal("1.00"), special_month=month - datetime.timedelta(days=40)
    )
    make_variant(other_merchant, grocery, name="Rice", price="45.00")
    far = make_merchant(company, [other_site.community], [grocery], name="Far Away Shop")
    make_variant(far, grocery, name="Far rice", price="1.00")
    suspended = make_merchant(company, [site.community], [grocery], name="Closed Shop", status="suspended")
    make_variant(suspended, grocery, name="Hidden soap", price="3.00")
    return apples


def test_the_storefront_shows_the_shops_of_my_community_only(client, resident, shelf):
    client.force_login(resident)
    body = client.get(reverse("market_home")).content.decode()
    assert "Fuji apples" in body and "Rice" in body and "Pears" in body
    assert "Far rice" not in body and "Hidden soap" not in body


def test_this_months_specials_show_the_special_price(client, resident, shelf):
    client.force_login(resident)
    response = client.get(reverse("market_home"))
    specials = [v.product.name for v in response.context["specials"]]
    assert specials == ["Fuji apples"]
    assert "¥9.90" in response.content.decode()
    assert response.context["page"].object_list[0].from_price is not None


def test_search_and_filters_narrow_the_products(client, resident, shelf, grocery, other_merchant):
    client.force_login(resident)
    names = lambda **q: [p.name for p in client.get(reverse("market_home"), q).context["page"].object_list]  # noqa: E731
    assert names(q="apple") == ["Fuji apples"]
    assert names(category=grocery.pk) == ["Rice"]
    assert names(merchant=other_merchant.pk) == ["Rice"]
    assert names(sort="price")[0] == "Pears"
    assert names(q="nothing-like-this") == []


def test_the_product_page_charges_the_special_price_in_the_cart(client, resident, unit, shelf):
    client.force_login(resident)
    page = client.get(reverse("market_product", args=[shelf.product_id])).content.decode()
    assert "¥9.90" in page and "¥12.80" in page
    client.post(reverse("market_cart_add"), {"variant": shelf.pk, "quantity": "2"})
    assert "¥19.80" in client.get(reverse("market_cart")).content.decode()


def test_someone_without_a_household_is_asked_to_join_one(client):
    from tests.factories import AccountFactory

    client.force_login(AccountFactory())
    assert "Join your household first" in client.get(reverse("market_home")).content.decode()


def test_the_demo_seeds_merchants_and_products_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    company = Company.objects.create(name=demo.COMPANY_NAME)
    office = OfficeFactory(region=RegionFactory(company=company), code="chengdong")
    for spec in demo.COMMUNITIES:
        CommunityFactory(office=office, code=spec.code, name=spec.name)
    from commerce.marketplace.demo import seed_demo_marketplace

    made = seed_demo_marketplace(timezone.localdate())
    assert made > 20 and seed_demo_marketplace(timezone.localdate()) == 0
    assert Merchant.objects.filter(status="approved").count() == 4  # with the Happy Paws service firm
    lotus = Community.objects.get(code="lotus-garden")
    assert Variant.objects.filter(product__merchant__communities=lotus).count() >= 15
    assert Variant.objects.exclude(special_price=None).exists()
