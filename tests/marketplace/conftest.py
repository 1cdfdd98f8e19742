"""Two offices of one company; residents, platform staff, two approved merchants with their users."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.marketplace import services
from commerce.marketplace.models import Category, Merchant, MerchantMember, Product, Variant
from commerce.payments import services as payments
from portal.people.models import StaffRole
from tests.factories import AccountFactory, CompanyFactory, RegionFactory, ResidentMembershipFactory, UnitFactory
from tests.payments.stripe_support import stripe_api, stripe_settings  # noqa: F401  (Stripe Connect tests)
from tests.properties.conftest import make_site, staff

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes(size=(4, 4)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def licence_pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _plain_settings(settings, tmp_path):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYMENT_GATEWAY = "dummy"


@pytest.fixture
def company():
    return CompanyFactory(name="Linli Property")


@pytest.fixture
def site(company):
    return make_site(RegionFactory(company=company, name="East"), "a")


@pytest.fixture
def other_site(company):
    return make_site(RegionFactory(company=company, name="West"), "b")


@pytest.fixture
def unit(site):
    return UnitFactory(building=site.building, grid=site.grid, number="1201", floor=12)


@pytest.fixture
def resident(unit):
    user = AccountFactory(full_name="Resident Ruan")
    ResidentMembershipFactory(user=user, unit=unit)
    return user


@pytest.fixture
def neighbour(site):
    user = AccountFactory(full_name="Neighbour Ni")
    ResidentMembershipFactory(user=user, unit=UnitFactory(building=site.building, grid=site.grid, number="1202"))
    return user


@pytest.fixture
def far_resident(other_site):
    user = AccountFactory(full_name="Far Fang")
    ResidentMembershipFactory(
        user=user, unit=UnitFactory(building=other_site.building, grid=other_site.grid, number="0901")
    )
    return user


@pytest.fixture
def platform(company, site, other_site):
    """Headquarters staff: the platform that approves merchants and settles with them."""
    return staff(StaffRole.HEADQUARTERS, company=company, full_name="Platform Pan")


@pytest.fixture
def other_company_hq():
    return staff(StaffRole.HEADQUARTERS, company=CompanyFactory(name="Other Property"), full_name="Other HQ")


@pytest.fixture
def other_manager(other_site):
    return staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager B")


@pytest.fixture
def fruit(company):
    return Category.objects.create(company=company, name="Fruit", commission_rate=Decimal("0.1000"))


@pytest.fixture
def grocery(company):
    return Category.objects.create(company=company, name="Grocery", commission_rate=Decimal("0.0500"))


def make_merchant(company, communities, categories, *, name, owner=None, status=Merchant.Status.APPROVED, **extra):
    owner = owner or AccountFactory(full_name=f"{name} owner")
    merchant = Merchant.objects.create(
        company=company,
        name=name,
        legal_name=f"{name} Ltd",
        licence_number="91330100MA2XXXXX",
        licence="market/licences/x.pdf",
        contact_name="Boss",
        phone="13800000000",
        address="1 Market St",
        status=status,
        offers_delivery=extra.pop("offers_delivery", True),
        offers_pickup=extra.pop("offers_pickup", True),
        pickup_point=extra.pop("pickup_point", "Gate 2 kiosk"),
        **extra,
    )
    merchant.categories.set(categories)
    merchant.communities.set(communities)
    MerchantMember.objects.create(merchant=merchant, user=owner, role=MerchantMember.Role.OWNER)
    merchant.owner = owner
    return merchant


def make_variant(merchant, category, *, name="Apples", variant="1 kg", price="10.00", stock=100):
    product = Product.objects.create(merchant=merchant, category=category, name=name)
    return Variant.objects.create(product=product, name=variant, price=Decimal(price), stock=stock)


@pytest.fixture
def merchant(company, site, fruit, grocery):
    return make_merchant(company, [site.community], [fruit, grocery], name="Fresh Fruit")


@pytest.fixture
def other_merchant(company, site, grocery):
    return make_merchant(company, [site.community], [grocery], name="Corner Shop")


@pytest.fixture
def apples(merchant, fruit):
    return make_variant(merchant, fruit, name="Apples", price="10.00", stock=20)


@pytest.fixture
def rice(other_merchant, grocery):
    return make_variant(other_merchant, grocery, name="Rice", variant="5 kg", price="45.00", stock=10)


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """Pay orders' bills online (dummy gateway) and run the bill-paid hooks as after a real commit."""

    def _pay(*orders):
        unit = orders[0].unit
        user = orders[0].placed_by
        with django_capture_on_commit_callbacks(execute=True):
            payment = payments.pay_online(user, unit, [o.bill for o in orders])
            payments.mark_succeeded(payment, f"dummy-{payment.pk}")
        for o in orders:
            o.refresh_from_db()
        return payment

    return _pay


@pytest.fixture
def order_for(resident, unit):
    """A charged order of ``items`` for the resident's unit (not yet paid)."""

    def _order(merchant, items, fulfilment="delivery"):
        order = services.place_order(resident, unit, merchant, items, fulfilment=fulfilment)
        services.charge(order)
        return order

    return _order
