"""Merchants apply with their licence, the platform approves, rejects or suspends; each sees only its own shop."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commerce.marketplace import services
from commerce.marketplace.models import Merchant, MerchantEvent, Order, Product
from commerce.marketplace.uploads import MAX_UPLOAD_BYTES
from tests.factories import AccountFactory

from .conftest import PDF, licence_pdf, png_bytes

pytestmark = pytest.mark.django_db


def _application(site, fruit, **overrides):
    data = {
        "name": "Green Grocer",
        "legal_name": "Green Grocer Trading Co.",
        "licence_number": "91330100MA27YYYY",
        "contact_name": "Mr Lu",
        "phone": "13900000000",
        "address": "8 River Rd",
        "description": "Vegetables every morning",
        "offers_delivery": "on",
        "offers_pickup": "on",
        "pickup_point": "North gate",
        "categories": [fruit.pk],
        "communities": [site.community.pk],
        "licence": licence_pdf(),
    }
    data.update(overrides)
    return data


def test_a_business_applies_with_its_licence_and_becomes_the_owner_member(client, site, fruit, platform):
    applicant = AccountFactory()
    client.force_login(applicant)

    response = client.post(reverse("market_apply"), _application(site, fruit))

    merchant = Merchant.objects.get(name="Green Grocer")
    assert response.status_code == 302 and response.url == reverse("market_merchant", args=[merchant.pk])
    assert merchant.status == Merchant.Status.APPLIED and merchant.company == site.office.region.company
    assert merchant.members.get().user == applicant and merchant.licence.name.endswith(".pdf")
    assert list(merchant.communities.all()) == [site.community]
    assert MerchantEvent.objects.filter(merchant=merchant, new_status="applied").exists()
    assert platform.notifications.filter(event="market.merchant_applied").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"), "as a PDF or"),
        (SimpleUploadedFile("licence.pdf", PDF + b"0" * MAX_UPLOAD_BYTES, content_type="application/pdf"), "limit"),
        (SimpleUploadedFile("licence.png", b"", content_type="image/png"), "empty"),
    ],
)
def test_a_licence_that_is_not_a_pdf_or_photo_or_too_big_is_refused(client, site, fruit, upload, message):
    client.force_login(AccountFactory())
    response = client.post(reverse("market_apply"), _application(site, fruit, licence=upload))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Merchant.objects.exists()


def test_a_photo_of_the_licence_is_accepted(client, site, fruit):
    client.force_login(AccountFactory())
    photo = SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png")
    client.post(reverse("market_apply"), _application(site, fruit, licence=photo))
    assert Merchant.objects.filter(name="Green Grocer").exists()


def test_pickup_without_a_pickup_point_is_refused(client, site, fruit):
    client.force_login(AccountFactory())
    response = client.post(reverse("market_apply"), _application(site, fruit, offers_delivery="", pickup_point=""))
    assert "Say where customers pick their orders up" in response.content.decode()
    assert not Merchant.objects.exists()


def test_the_platform_approves_suspends_and_reinstates_through_the_back_office(client, merchant, platform):
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.APPLIED)
    client.force_login(platform)
    url = reverse("market_admin_merchant", args=[merchant.pk])

    client.post(url, {"action": "approve"})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED

    client.post(url, {"action": "suspend", "note": ""})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED  # a suspension needs a reason

    client.post(url, {"action": "suspend", "note": "Expired food on sale"})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUSPENDED and merchant.status_note == "Expired food on sale"
    assert merchant.owner.notifications.filter(event="market.merchant_status").exists()

    client.post(url, {"action": "approve"})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED
    assert [e.new_status for e in merchant.events.all()] == ["approved", "suspended", "approved"]


def test_a_rejected_application_stays_rejected(merchant, platform):
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.APPLIED)
    services.reject_merchant(merchant, by=platform, note="Licence expired")
    with pytest.raises(ValidationError, match="cannot go from"):
        services.approve_merchant(merchant, by=platform)


def test_only_the_platform_of_the_merchants_company_reviews_it(
    client, merchant, other_company_hq, other_manager, resident
):
    url = reverse("market_admin_merchant", args=[merchant.pk])
    client.force_login(other_company_hq)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "suspend", "note": "x"}).status_code == 404
    for outsider in (other_manager, resident):
        client.force_login(outsider)
        assert client.get(url).status_code in (302, 403)
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED


def test_the_licence_is_downloaded_only_by_the_platform(client, merchant, platform, other_company_hq, settings):
    from django.core.files.base import ContentFile

    merchant.licence.save("licence.pdf", ContentFile(PDF))
    url = reverse("market_admin_licence", args=[merchant.pk])
    client.force_login(platform)
    assert b"".join(client.get(url).streaming_content).startswith(b"%PDF")
    client.force_login(other_company_hq)
    assert client.get(url).status_code == 404


def test_a_merchant_cannot_see_or_change_another_merchants_products_or_orders(
    client, merchant, other_merchant, rice, resident, unit
):
    order = services.place_order(resident, unit, other_merchant, [(rice, 1)], fulfilment="delivery")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    client.force_login(merchant.owner)
    theirs = other_merchant.pk
    for url in (
        reverse("market_merchant", args=[theirs]),
        reverse("market_merchant_products", args=[theirs]),
        reverse("market_merchant_orders", args=[theirs]),
        reverse("market_merchant_order", args=[theirs, order.pk]),
        reverse("market_merchant_settlements", args=[theirs]),
        # their product or order under my own dashboard's address
        reverse("market_merchant_product", args=[merchant.pk, rice.product_id]),
        reverse("market_merchant_order", args=[merchant.pk, order.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("market_merchant_order_action", args=[merchant.pk, order.pk, "accept"]),
    )
    assert response.status_code == 404
    response = client.post(
        reverse("market_merchant_product", args=[merchant.pk, rice.product_id]),
        {"name": "Hijacked", "category": rice.product.category_id, "v-TOTAL_FORMS": "0", "v-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and Product.objects.get(pk=rice.product_id).name == "Rice"
    with pytest.raises(Exception, match="do not work for"):
        services.accept_order(order, by=merchant.owner)


def test_a_merchant_adds_a_product_with_variants_and_a_photo(client, merchant, fruit):
    client.force_login(merchant.owner)
    response = client.post(
        reverse("market_merchant_product_new", args=[merchant.pk]),
        {
            "name": "Oranges",
            "category": fruit.pk,
            "description": "Sweet",
            "active": "on",
            "v-TOTAL_FORMS": "2",
            "v-INITIAL_FORMS": "0",
            "v-MIN_NUM_FORMS": "1",
            "v-MAX_NUM_FORMS": "1000",
            "v-0-name": "1 kg",
            "v-0-price": "8.50",
            "v-0-stock": "30",
            "v-0-active": "on",
            "v-1-name": "5 kg",
            "v-1-price": "38.00",
            "v-1-stock": "5",
            "v-1-active": "on",
        },
    )
    product = Product.objects.get(name="Oranges")
    assert response.status_code == 302
    assert sorted(product.variants.values_list("name", "stock")) == [("1 kg", 30), ("5 kg", 5)]

    photo = SimpleUploadedFile("o.png", png_bytes(), content_type="image/png")
    client.post(reverse("market_merchant_product", args=[merchant.pk, product.pk]), {"image": photo})
    assert product.photos.count() == 1

    fake = SimpleUploadedFile("o.png", b"<?php echo 1; ?>", content_type="image/png")
    client.post(reverse("market_merchant_product", args=[merchant.pk, product.pk]), {"image": fake})
    assert product.photos.count() == 1


def test_negative_stock_or_price_is_refused(client, merchant, fruit):
    client.force_login(merchant.owner)
    response = client.post(
        reverse("market_merchant_product_new", args=[merchant.pk]),
        {
            "name": "Pears",
            "category": fruit.pk,
            "v-TOTAL_FORMS": "1",
            "v-INITIAL_FORMS": "0",
            "v-0-name": "1 kg",
            "v-0-price": "-1",
            "v-0-stock": "-3",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Stock cannot be negative" in body and "more than zero" in body
    assert not Product.objects.filter(name="Pears").exists()
