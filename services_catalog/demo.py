"""Demo special services (run from ``manage.py seed_demo``): the Chengdong office's menu of 14 services in
six categories, with photos, options and posted prices; its own housekeeping and maintenance teams plus three
outside firms; and a few orders of the demo resident at different stages.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.images import ImageFile
from django.db import transaction

from portal import demo

D = Decimal
T = datetime.time

# (category, description, colour of its photos)
CATEGORIES = [
    ("家政保洁 (Housekeeping & cleaning)", "日常保洁、深度清洁、开荒保洁", (15, 122, 105)),
    ("维修安装 (Repairs & installation)", "开锁换锁、家电维修、管道疏通", (29, 78, 216)),
    ("搬家搬运 (Moving)", "小区内外搬家、大件搬运", (180, 83, 9)),
    ("养老看护 (Elderly care)", "上门陪护、助浴、代购送餐", (147, 51, 234)),
    ("宠物服务 (Pet care)", "上门喂养、遛狗、洗护", (219, 39, 119)),
    ("教育与汽车 (Tutoring & car care)", "上门家教、小区车位洗车", (71, 85, 105)),
]

# name, category index, price model, price, summary, description, extras
SERVICES = [
    (
        "日常保洁 (Housekeeping)",
        0,
        "per_hour",
        "45.00",
        "2 小时起，擦拭、吸尘、拖地、厨卫清洁",
        "保洁员自带基础工具。贵重物品请自行收好。Minimum 2 hours.",
        {"min_quantity": D("2"), "max_quantity": D("8")},
        [("自带清洁剂 (Bring cleaning supplies)", "20.00")],
    ),
    (
        "深度保洁 (Deep cleaning)",
        0,
        "per_m2",
        "6.50",
        "按建筑面积计价，含玻璃、厨房油污、卫生间除垢",
        "适合换季和入住前。Priced per m² of floor area.",
        {"min_quantity": D("30"), "max_quantity": D("300"), "slot_minutes": 240, "day_start": T(9), "day_end": T(17)},
        [("阳台与窗轨 (Balcony & window tracks)", "60.00"), ("冰箱内部清洁 (Inside the fridge)", "40.00")],
    ),
    (
        "开荒保洁 (Post-renovation cleaning)",
        0,
        "quote",
        None,
        "装修后首次清洁，上门评估后报价",
        "Quote on request after a visit.",
        {"slot_minutes": 240, "day_start": T(9), "day_end": T(17)},
        [],
    ),
    (
        "开锁换锁 (Lock opening)",
        1,
        "fixed",
        "120.00",
        "公安备案开锁师傅，核验身份后开锁",
        "开锁须出示身份证与房产证明。换锁芯另计。",
        {"lead_hours": 1, "slot_minutes": 60, "day_start": T(8), "day_end": T(22), "free_cancel_hours": 1},
        [("更换 C 级锁芯 (New class-C cylinder)", "180.00")],
    ),
    (
        "家电维修 (Appliance repair)",
        1,
        "fixed",
        "60.00",
        "上门检测费，维修配件另行报价",
        "空调、洗衣机、冰箱、热水器。检测后配件费另报。",
        {},
        [],
    ),
    (
        "空调清洗 (Air-conditioner cleaning)",
        1,
        "per_item",
        "90.00",
        "每台挂机，柜机加收",
        "高温蒸汽清洗蒸发器与滤网。",
        {"max_quantity": D("6")},
        [("柜机 (Floor-standing unit)", "40.00")],
    ),
    (
        "管道疏通 (Drain unblocking)",
        1,
        "fixed",
        "80.00",
        "厨房、卫生间下水疏通",
        "不含管道更换。",
        {"lead_hours": 2, "slot_minutes": 60, "day_start": T(8), "day_end": T(20)},
        [],
    ),
    (
        "小区搬家 (Moving within Hangzhou)",
        2,
        "quote",
        None,
        "按物品数量与楼层报价",
        "工作人员上门或视频评估后报价。Quote on request.",
        {
            "slot_minutes": 240,
            "day_start": T(8),
            "day_end": T(16),
            "late_cancel_keep_percent": 30,
            "free_cancel_hours": 48,
        },
        [],
    ),
    (
        "大件搬运 (Heavy item carrying)",
        2,
        "per_item",
        "50.00",
        "家具家电上下楼",
        "每件 50 kg 以内。",
        {"max_quantity": D("20")},
        [],
    ),
    (
        "上门陪护 (Elderly companionship)",
        3,
        "per_hour",
        "55.00",
        "陪聊、助餐、陪同散步，4 小时起",
        "护理员持健康证上岗。",
        {
            "min_quantity": D("4"),
            "max_quantity": D("10"),
            "slot_minutes": 240,
            "day_start": T(8),
            "day_end": T(20),
            "late_cancel_keep_percent": 20,
        },
        [],
    ),
    (
        "宠物上门喂养 (Pet sitting)",
        4,
        "per_item",
        "40.00",
        "每次上门：喂食、换水、清理猫砂",
        "按上门次数计价。",
        {"max_quantity": D("30"), "slot_minutes": 60},
        [("遛狗 30 分钟 (Dog walk)", "25.00")],
    ),
    ("宠物洗护 (Pet grooming)", 4, "fixed", "120.00", "小型犬猫洗澡、修剪指甲", "", {}, []),
    (
        "上门家教 (Home tutoring)",
        5,
        "per_hour",
        "150.00",
        "小学、初中数学英语，2 小时起",
        "教师均有教师资格证。",
        {
            "min_quantity": D("2"),
            "max_quantity": D("4"),
            "weekdays": "56",
            "lead_hours": 48,
            "late_cancel_keep_percent": 50,
        },
        [],
    ),
    (
        "车位洗车 (Car wash at your space)",
        5,
        "fixed",
        "35.00",
        "在您的车位上门洗车，不挪车",
        "无水洗车，冬季照常。",
        {"slot_minutes": 60},
        [("内饰吸尘 (Interior vacuum)", "25.00")],
    ),
]

# name, kind, capacity, phone, service indexes, demo login keys among its people
PROVIDERS = [
    ("城东家政服务队 (Chengdong housekeeping team)", "team", 3, "0571-8801 2010", [0, 1, 2, 9], ["housekeeper"]),
    ("城东工程维修组 (Chengdong maintenance team)", "team", 2, "0571-8801 2020", [3, 4, 5, 6, 9, 13], ["technician"]),
    ("安居搬家公司 (Anju Movers)", "firm", 2, "0571-8666 0101", [7, 8], []),
    ("爱宠上门 (Happy Paws)", "firm", 2, "0571-8666 0202", [10, 11], []),
    ("启明家教中心 (Qiming Tutoring)", "firm", 1, "0571-8666 0303", [12], []),
]


def _photo(name: str, colour) -> object:
    from PIL import Image as PILImage
    from PIL import ImageDraw
    from wagtail.images import get_image_model

    image = PILImage.new("RGB", (960, 540), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 60) for c in colour)
    for step in range(6):  # soft circles: a photo placeholder that looks deliberate
        radius = 120 + step * 40
        draw.ellipse((700 - radius, 380 - radius, 700 + radius, 380 + radius), outline=light, width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return get_image_model().objects.create(
        title=name, file=ImageFile(buffer, name=f"service-{abs(hash(name)) % 10**8}.png")
    )


def seed_demo_services(today: datetime.date) -> int:
    """Create the demo menu when the office has none; returns how many records were made."""
    from portal.people.models import User
    from portal.properties.models import Office

    from .models import Provider, Service, ServiceCategory, ServiceOption, ServicePhoto

    office = Office.objects.filter(code=demo.OFFICES[0].code).first()
    if office is None or Service.objects.filter(office=office).exists():
        return 0
    made = 0
    with transaction.atomic():
        categories = []
        for order, (name, description, colour) in enumerate(CATEGORIES):
            category = ServiceCategory.objects.create(
                office=office, name=name, description=description, sort_order=order * 10
            )
            category.colour = colour
            categories.append(category)
        made += len(categories)
        services = []
        for order, (name, cat, model, price, summary, description, extras, options) in enumerate(SERVICES):
            service = Service.objects.create(
                office=office,
                category=categories[cat],
                name=name,
                summary=summary,
                description=description,
                price_model=model,
                price=D(price) if price else None,
                sort_order=order,
                **{"lead_hours": 12, **extras},
            )
            ServicePhoto.objects.create(service=service, image=_photo(name, categories[cat].colour))
            for position, (option, extra) in enumerate(options):
                ServiceOption.objects.create(service=service, name=option, price=D(extra), sort_order=position)
            services.append(service)
            made += 2 + len(options)
        for name, kind, capacity, phone, indexes, logins in PROVIDERS:
            provider = Provider.objects.create(
                office=office, name=name, kind=kind, capacity_per_slot=capacity, phone=phone
            )
            provider.services.set([services[i] for i in indexes])
            emails = [demo.DEMO_LOGIN_BY_KEY[key].email for key in logins]
            provider.people.set(User.objects.filter(email__in=emails))
            made += 1
        made += _demo_orders(office, services)
    return made


def _demo_orders(office, services) -> int:
    """The demo resident's orders: one booked on the household account, one quote waiting for the office."""
    import uuid

    from portal.access import resident_units
    from portal.people.models import User

    from . import services as service_api

    resident = User.objects.filter(email=demo.DEMO_LOGIN_BY_KEY["resident"].email).first()
    unit = resident_units(resident).filter(building__community__office=office).first() if resident else None
    if unit is None:
        return 0
    made = 0
    for service, quantity in ((services[1], D("89")), (services[7], D("1"))):
        slots = service_api.available_slots(service)
        if not slots:
            continue
        service_api.place_order(
            resident,
            unit,
            service,
            slot_start=slots[min(len(slots) - 1, 4)].start,
            quantity=quantity,
            payment_method="" if service.is_quote else "household",
            note="周末上午方便 (weekend mornings suit us)",
            request_key=f"demo-{uuid.uuid4().hex}",
        )
        made += 1
    return made


def link_demo_firm(merchant, provider_prefix: str) -> int:
    """The marketplace demo's service firm: link its provider to the merchant and book it one job."""
    import uuid

    from portal.access import resident_units
    from portal.people.models import User

    from . import services as service_api
    from .models import Provider

    provider = Provider.objects.filter(
        name__startswith=provider_prefix, office__region__company=merchant.company
    ).first()
    resident = User.objects.filter(email=demo.DEMO_LOGIN_BY_KEY["resident"].email).first()
    if provider is None:
        return 0
    provider.merchant = merchant
    provider.save(update_fields=["merchant"])
    service = provider.services.filter(price_model="fixed").first()
    unit = resident_units(resident).filter(building__community__office=provider.office).first() if resident else None
    slots = service_api.available_slots(service) if service and unit else []
    if not slots:
        return 1
    service_api.place_order(
        resident,
        unit,
        service,
        slot_start=slots[min(len(slots) - 1, 6)].start,
        payment_method="household",
        note="猫咪怕生，请轻一点 (the cat is shy)",
        request_key=f"demo-{uuid.uuid4().hex}",
    )
    return 2
