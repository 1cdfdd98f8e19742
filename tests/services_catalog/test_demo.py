"""The demo menu: at least 12 services with posted prices, providers, and seeding twice adds nothing."""

import pytest
from wagtail.models import Collection

from portal import demo
from services_catalog.demo import seed_demo_services
from services_catalog.models import Provider, Service
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_menu_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    if not Collection.get_first_root_node():  # a transactional test elsewhere may have flushed it
        Collection.add_root(name="Root")
    office = OfficeFactory(code=demo.OFFICES[0].code)

    made = seed_demo_services(None)

    assert made > 12 and Service.objects.filter(office=office).count() >= 12
    assert {s.price_model for s in Service.objects.all()} == {"fixed", "per_hour", "per_m2", "per_item", "quote"}
    assert all(s.price for s in Service.objects.exclude(price_model="quote"))
    assert all(s.photos.exists() for s in Service.objects.all())
    assert Provider.objects.filter(kind="firm").exists() and Provider.objects.filter(kind="team").exists()
    assert not Service.objects.filter(providers__isnull=True).exists()
    assert seed_demo_services(None) == 0
