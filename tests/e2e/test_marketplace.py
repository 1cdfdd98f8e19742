"""A resident shops in the community marketplace: search, add to cart, pay, and the merchant fulfils."""

from decimal import Decimal

import pytest

from commerce.marketplace.models import Category, Merchant, MerchantMember, Order, Product, Variant
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import PHONE, assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def shop(world, settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.PAYMENT_GATEWAY = "dummy"
    settings.DEBUG = True  # the dummy gateway is refused when DEBUG is off
    fruit = Category.objects.create(company=world.company, name="Fruit", commission_rate=Decimal("0.08"))
    owner = AccountFactory(full_name="Shop Owner", phone="+8613700002222")
    merchant = Merchant.objects.create(
        company=world.company,
        name="Fresh Orchard",
        legal_name="Fresh Orchard Ltd",
        licence_number="91330100MA2X",
        licence="market/licences/x.pdf",
        contact_name="Boss",
        phone="0571-1234",
        address="1 Market St",
        offers_delivery=True,
        offers_pickup=True,
        pickup_point="South gate kiosk",
        status=Merchant.Status.APPROVED,
    )
    merchant.categories.set([fruit])
    merchant.communities.set([world.north.community])
    MerchantMember.objects.create(merchant=merchant, user=owner, role="owner")
    for name, price in [("Fuji apples", "12.80"), ("Navel oranges", "29.90"), ("Bananas", "7.50")]:
        product = Product.objects.create(merchant=merchant, category=fruit, name=name, description="Fresh today")
        Variant.objects.create(product=product, name="1 kg", price=Decimal(price), stock=10)
    return merchant, owner


@pytest.fixture
def resident(world):
    user = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=user, unit=world.north.units[0])
    return user


def login(page, phone):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", phone)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()


def test_a_resident_buys_apples_and_the_merchant_delivers_them(open_page, shot, world, shop, resident):
    merchant, owner = shop
    page = open_page(locale="en", viewport=PHONE)
    login(page, "13800001111")
    page.wait_for_url("**/my/")

    page.goto("/market/")
    assert page.get_by_role("heading", name="Marketplace").is_visible()
    assert_fits_phone(page, shot, "1-storefront", actions=["input[name=q]", page.get_by_role("button", name="Filter")])
    page.fill("input[name=q]", "apple")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Fuji apples").click()
    page.fill("input[name=quantity]", "2")
    add = page.get_by_role("button", name="Add to cart")
    assert_fits_phone(page, shot, "1b-product", actions=["input[name=quantity]", add])
    add.click()

    page.wait_for_url("**/market/cart/")
    assert "¥25.60" in page.locator(".cart-total").inner_text()
    pay = page.get_by_role("button", name="Pay now")
    assert_fits_phone(page, shot, "2-cart", actions=[pay])
    pay.click()

    page.wait_for_url("**/pay/test-gateway/**")
    assert "¥25.60" in page.locator("main").inner_text()
    succeed = page.get_by_role("button", name="Pay successfully")
    assert_fits_phone(page, shot, "2b-test-gateway", actions=[succeed])
    succeed.click()
    page.wait_for_url("**/market/orders/")
    assert page.get_by_text("Paid", exact=True).first.is_visible()
    assert_fits_phone(page, shot, "3-orders")
    order = Order.objects.get()
    assert order.status == Order.Status.PAID and order.total == Decimal("25.60")
    assert Variant.objects.get(product__name="Fuji apples").stock == 8

    shop_page = open_page(locale="en")
    login(shop_page, "13700002222")
    shop_page.goto(f"/market/merchant/{merchant.pk}/orders/{order.pk}/")
    shop_page.get_by_role("button", name="Accept").click()
    shop_page.get_by_role("button", name="Out for delivery").click()
    shop_page.get_by_role("button", name="Completed").click()
    shot(shop_page, "4-merchant-order")
    assert Order.objects.get().status == Order.Status.COMPLETED
    apples = Product.objects.get(name="Fuji apples")
    shop_page.goto(f"/market/merchant/{merchant.pk}/products/{apples.pk}/")
    shop_page.locator("input[name=v-0-stock]").fill("50")
    shop_page.get_by_role("button", name="Save").click()
    assert Variant.objects.get(product=apples).stock == 50
    shot(shop_page, "4b-merchant-product")

    page.goto(f"/market/orders/{order.pk}/")
    page.locator("label", has_text="★★★★★").first.click()
    page.get_by_role("button", name="Send review").click()
    assert page.get_by_text("Thank you for your review.").is_visible()
    assert_fits_phone(page, shot, "5-reviewed")


def test_the_platform_sees_merchants_and_the_report_in_the_back_office(open_page, shot, world, shop):
    from .test_backoffice import log_in_with_code, make_staff

    hq = make_staff(world, None, "headquarters", "hq@example.com", "HQ Zhou")
    page = open_page(locale="en", viewport={"width": 1280, "height": 900})
    log_in_with_code(page, hq)
    page.goto("/backoffice/market/merchants/")
    assert page.get_by_role("link", name="Fresh Orchard").is_visible()
    shot(page, "1-merchants")
    page.goto("/backoffice/market/report/")
    assert page.locator("svg[role=img]").is_visible()
    shot(page, "2-report")
