"""Demo data of the marketplace (run from ``manage.py seed_demo``): categories with commission rates,
four merchants (three approved, one application waiting for review) serving the demo communities,
about twenty products with variants, this month's specials and an open group buy of lychees.

The merchant owners sign in as ``shop1@demo.linli.local`` … with the demo password.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portal import demo
from portal.properties.models import Community, Company

from .models import Category, GroupBuy, Merchant, MerchantEvent, MerchantMember, Product, Variant

LICENCE = "market/licences/demo-licence.pdf"

CATEGORIES = [
    ("果蔬生鲜 Fresh produce", "0.0800"),
    ("超市百货 Supermarket", "0.0500"),
    ("美容休闲 Beauty & leisure", "0.1200"),
    ("教育培训 Education", "0.1000"),
]

# name, legal name, owner email local part, category index, communities, delivery, pickup point, status
MERCHANTS = [
    (
        "鲜果园 Fresh Orchard",
        "杭州鲜果园果业有限公司",
        "shop1",
        0,
        ["lotus-garden", "maple-bay"],
        True,
        "南门水果摊",
        "approved",
    ),
    (
        "邻家便利 Neighbour Mart",
        "杭州邻家便利店有限公司",
        "shop2",
        1,
        ["lotus-garden", "maple-bay", "riverside"],
        True,
        "",
        "approved",
    ),
    ("滨江粮油 Riverside Grain & Oil", "杭州滨江粮油商行", "shop3", 1, ["riverside"], True, "3号楼底商", "approved"),
    (
        "悦颜美容 Joy Beauty",
        "杭州悦颜美容服务有限公司",
        "shop4",
        2,
        ["lotus-garden"],
        False,
        "会所二楼",
        "applied",
    ),  # Also the outside firm behind the "Happy Paws" special services: its staff handle those orders here.
    (
        "爱宠上门 Happy Paws",
        "杭州爱宠上门宠物服务有限公司",
        "shop5",
        2,
        ["lotus-garden", "maple-bay"],
        True,
        "",
        "approved",
    ),
]

# merchant index, product, description, [(variant, price, stock, special price or None)]
PRODUCTS = [
    (0, "红富士苹果 Fuji apples", "山东烟台，脆甜多汁。", [("1 kg", "12.80", 80, "9.90"), ("5 kg", "59.00", 20, None)]),
    (0, "赣南脐橙 Navel oranges", "赣南产地直发。", [("2.5 kg", "29.90", 40, None), ("5 kg", "55.00", 15, None)]),
    (0, "海南香蕉 Bananas", "", [("1 kg", "7.50", 60, None)]),
    (0, "阳光玫瑰葡萄 Shine Muscat grapes", "无籽，香甜。", [("1 box 2 kg", "68.00", 12, "58.00")]),
    (0, "有机西兰花 Organic broccoli", "本地基地当天采摘。", [("500 g", "6.80", 50, None)]),
    (0, "土鸡蛋 Free-range eggs", "", [("30 eggs", "45.00", 25, None)]),
    (0, "妃子笑荔枝 Lychees", "广东茂名，团购特价。", [("2.5 kg", "79.00", 40, None)]),
    (1, "东北大米 Northeast rice", "五常稻花香。", [("5 kg", "49.90", 30, "42.90"), ("10 kg", "95.00", 10, None)]),
    (1, "金龙鱼食用油 Cooking oil", "", [("5 L", "69.90", 20, None)]),
    (1, "农夫山泉 Spring water", "", [("24 × 550 ml", "36.00", 50, "29.90")]),
    (1, "维达抽纸 Tissues", "", [("6 packs", "19.90", 40, None)]),
    (1, "洗衣液 Laundry liquid", "", [("3 kg", "39.90", 25, None)]),
    (1, "牛奶 Whole milk", "", [("12 × 250 ml", "54.00", 30, None)]),
    (1, "挂面 Noodles", "", [("1 kg", "9.90", 60, None)]),
    (2, "菜籽油 Rapeseed oil", "本地压榨。", [("5 L", "88.00", 15, None)]),
    (2, "杂粮礼盒 Mixed grains box", "", [("2 kg", "58.00", 10, "48.00")]),
    (2, "面粉 Flour", "", [("5 kg", "32.00", 20, None)]),
    (3, "面部护理 Facial care", "60 分钟基础护理。", [("1 session", "168.00", 30, None)]),
]


def _owner(local: str, name: str):
    from django.contrib.auth import get_user_model

    from portal.people.services import create_person

    email = f"{local}@{demo.DEMO_EMAIL_DOMAIN}"
    user = get_user_model().objects.filter(email=email).first()
    if user is None:
        user = create_person(email=email, phone=None, full_name=name, password=None)
        user.password = make_password(demo.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed_demo_marketplace(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    company = Company.objects.filter(name=demo.COMPANY_NAME).first()
    if company is None or Merchant.objects.filter(company=company).exists():
        return 0
    made = 0
    if not default_storage.exists(LICENCE):
        default_storage.save(LICENCE, ContentFile(b"%PDF-1.4\n% demo business licence\n%%EOF\n"))
    categories = []
    for order, (name, rate) in enumerate(CATEGORIES):
        category, created = Category.objects.get_or_create(
            company=company, name=name, defaults={"commission_rate": Decimal(rate), "order": order}
        )
        categories.append(category)
        made += created
    communities = {c.code: c for c in Community.objects.filter(office__region__company=company)}
    merchants = []
    for name, legal, local, category, codes, delivery, pickup, status in MERCHANTS:
        merchant = Merchant.objects.create(
            company=company,
            name=name,
            legal_name=legal,
            licence_number=f"91330100MA2{len(merchants):05d}X",
            licence=LICENCE,
            contact_name=name.split(" ", 1)[0] + "店长",
            phone=f"0571-8888 10{len(merchants):02d}",
            address="杭州市上城区望江路 100 号",
            description=f"{name}: 为附近小区居民服务。",
            offers_delivery=delivery,
            offers_pickup=bool(pickup),
            pickup_point=pickup,
            status=status,
        )
        merchant.categories.set([categories[category]])
        merchant.communities.set([communities[code] for code in codes if code in communities])
        MerchantMember.objects.create(
            merchant=merchant, user=_owner(local, f"{name.split(' ', 1)[0]}店长"), role=MerchantMember.Role.OWNER
        )
        MerchantEvent.objects.create(merchant=merchant, new_status="applied", note="Application received")
        if status == "approved":
            MerchantEvent.objects.create(merchant=merchant, old_status="applied", new_status="approved")
        merchants.append(merchant)
        made += 1
    month = today.replace(day=1)
    lychees = None
    for index, name, description, variants in PRODUCTS:
        merchant = merchants[index]
        product = Product.objects.create(
            merchant=merchant, category=merchant.categories.first(), name=name, description=description
        )
        made += 1
        for variant, price, stock, special in variants:
            v = Variant.objects.create(
                product=product,
                name=variant,
                price=Decimal(price),
                stock=stock,
                special_price=Decimal(special) if special else None,
                special_month=month if special else None,
            )
            if name.startswith("妃子笑"):
                lychees = v
    from services_catalog.demo import link_demo_firm

    made += link_demo_firm(merchants[-1], "爱宠上门")
    if lychees is not None:
        GroupBuy.objects.create(
            merchant=merchants[0],
            variant=lychees,
            title="妃子笑荔枝团购 Lychee group buy",
            description="满 10 户成团，产地直发，截止后统一配送。",
            price=Decimal("59.00"),
            min_households=10,
            deadline=timezone.now() + datetime.timedelta(days=3),
        )
        made += 1
    return made
