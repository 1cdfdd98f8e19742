"""Demo charge items and standards for every demo office (run from ``manage.py seed_demo``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from portal import demo

from .models import ChargeItem, ChargeStandard, StandardTier

EFFECTIVE_FROM = datetime.date(2024, 1, 1)
# Property fee per m² by office; an office not listed pays the first price.
PROPERTY_FEE = {"chengdong": Decimal("2.80"), "binjiang": Decimal("3.20")}
WATER_TIERS = [(Decimal("15"), Decimal("3.50")), (Decimal("30"), Decimal("4.80")), (None, Decimal("6.20"))]


def _items(office_code: str):
    """(code, name, kind, measure unit, standard name, unit price, tiers)."""
    fee = PROPERTY_FEE.get(office_code, PROPERTY_FEE["chengdong"])
    kind = ChargeItem.Kind
    return [
        ("property-fee", "物业费 (Property fee)", kind.PER_AREA, "", f"¥{fee}/m²", fee, []),
        ("garbage", "垃圾清运费 (Garbage collection)", kind.FIXED_PER_UNIT, "", "¥15/户", Decimal("15"), []),
        ("parking", "车位管理费 (Parking management)", kind.FIXED_PER_PARKING, "", "¥150/车位", Decimal("150"), []),
        ("water", "水费 (Water)", kind.METERED, "m³", "阶梯水价 (Tiered water)", None, WATER_TIERS),
        ("electricity", "电费 (Electricity)", kind.METERED, "kWh", "¥0.588/kWh", Decimal("0.588"), []),
    ]


def seed_demo_charges() -> int:
    """Create the demo charge items and their standards where missing; returns how many items were new."""
    from portal.properties.models import Office

    created = 0
    for office in Office.objects.filter(code__in=[spec.code for spec in demo.OFFICES]):
        for code, name, kind, measure, standard_name, price, tiers in _items(office.code):
            item, new = ChargeItem.objects.get_or_create(
                office=office, code=code, defaults={"name": name, "kind": kind, "measure_unit": measure}
            )
            created += new
            if item.standards.exists():
                continue
            standard = ChargeStandard.objects.create(
                item=item, name=standard_name, effective_from=EFFECTIVE_FROM, unit_price=price
            )
            StandardTier.objects.bulk_create(
                [StandardTier(standard=standard, up_to=up_to, unit_price=tier_price) for up_to, tier_price in tiers]
            )
    return created
