"""Demo work orders (run from ``manage.py seed_demo``) in the first office: a price list, the demo resident's
requests in several states, and other households' repairs so that the dispatch board and KPIs have life.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from portal import demo
from portal.people.models import User
from portal.properties.models import Office, Unit

from . import services
from .models import PriceItem, ServiceSettings, WorkOrder

PRICES = [
    ("labour", "上门维修人工 (Call-out labour)", "次", "30.00"),
    ("labour", "水龙头维修 (Tap repair)", "个", "35.00"),
    ("labour", "马桶疏通 (Toilet unblocking)", "次", "80.00"),
    ("labour", "开关插座更换 (Switch/socket replacement)", "个", "25.00"),
    ("material", "水龙头阀芯 (Tap cartridge)", "个", "45.00"),
    ("material", "角阀 (Angle valve)", "个", "38.00"),
    ("material", "LED 灯管 (LED tube)", "根", "28.00"),
    ("material", "门锁锁芯 (Lock cylinder)", "个", "120.00"),
]


def _photo(label: str, color) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), color)
    ImageDraw.Draw(image).text((24, 24), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), content_type="image/jpeg")


def _user(key):
    login = demo.DEMO_LOGIN_BY_KEY[key]
    return User.objects.filter(email=login.email).first()


def _finish(order, tech, at, *, text="已处理完毕 (Fixed and tested).", price=None, resident=None):
    order = services.check_in(order, by=tech, now=at - datetime.timedelta(minutes=50))
    services.add_photos(order, by=tech, stage="before", files=[_photo("before", (150, 60, 40))])
    if price is not None and resident is not None:
        services.add_line(order, by=tech, price_item=price, quantity=1)
        services.decide_charge(order, by=resident, accept=True)
    services.add_photos(order, by=tech, stage="after", files=[_photo("after", (40, 120, 70))])
    return services.finish(order, by=tech, resolution=text, now=at)


def seed_demo_workorders(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    office = Office.objects.filter(code=demo.COMMUNITIES[0].office_code).first()
    if office is None or WorkOrder.objects.filter(office=office).exists():
        return 0
    resident, keeper, tech, desk, manager = (
        _user(k) for k in ("resident", "housekeeper", "technician", "front_desk", "office_manager")
    )
    if not all((resident, keeper, tech, desk, manager)):
        return 0
    unit = Unit.objects.filter(
        building__community__code=demo.COMMUNITIES[0].code,
        building__name=demo.DEMO_RESIDENT_BUILDING,
        number=demo.DEMO_RESIDENT_UNIT,
    ).first()
    if unit is None or not unit.memberships.filter(user=resident).exists():
        return 0
    made = 0
    ServiceSettings.objects.get_or_create(office=office)
    prices = {}
    for kind, name, measure, price in PRICES:
        prices[name], created = PriceItem.objects.get_or_create(
            office=office, kind=kind, name=name, defaults={"measure": measure, "price": Decimal(price)}
        )
        made += created
    now = timezone.now()
    rng = random.Random("workorders")

    def ago(**delta):
        return now - datetime.timedelta(**delta)

    def minutes(n):
        return datetime.timedelta(minutes=n)

    # The demo resident's own requests.
    closed = services.file_request(
        by=resident,
        unit=unit,
        kind="repair",
        category="plumbing",
        location="厨房 (kitchen)",
        description="厨房水龙头一直滴水。The kitchen tap keeps dripping.",
        now=ago(days=9),
        photos=[_photo("tap", (90, 90, 160))],
    )
    closed = services.dispatch(closed, by=keeper, technician=tech, now=closed.received_at + minutes(2))
    closed = _finish(
        closed, tech, closed.received_at + datetime.timedelta(hours=3), price=prices[PRICES[1][1]], resident=resident
    )
    closed = services.accept(
        closed,
        by=resident,
        rating=5,
        comment="师傅很准时 (On time, tidy work)",
        now=closed.finished_at + datetime.timedelta(hours=2),
    )
    services.record_return_visit(
        closed,
        by=keeper,
        channel="phone",
        satisfied=True,
        result="住户满意 (Satisfied)",
        now=closed.finished_at + datetime.timedelta(days=1),
    )

    waiting = services.file_request(
        by=resident,
        unit=unit,
        kind="repair",
        category="electrical",
        location="客厅 (living room)",
        description="客厅插座没电。The living-room socket has no power.",
        now=ago(hours=6),
    )
    waiting = services.dispatch(waiting, by=keeper, technician=tech, now=waiting.received_at + minutes(2))
    _finish(waiting, tech, ago(hours=1), text="更换了插座 (Replaced the socket).")

    on_way = services.file_request(
        by=resident,
        unit=unit,
        kind="repair",
        category="door_lock",
        location="入户门 (front door)",
        description="门锁很难转动。The front-door lock is hard to turn.",
        now=ago(minutes=40),
        preferred_time=now + datetime.timedelta(hours=2),
    )
    on_way = services.dispatch(on_way, by=keeper, technician=tech, now=on_way.received_at + minutes(2))
    services.set_on_the_way(on_way, by=tech, now=ago(minutes=10))

    complaint = services.file_request(
        by=resident,
        unit=unit,
        kind="complaint",
        area="public",
        category="noise",
        description="楼上晚上十一点后装修噪音。Renovation noise upstairs after 11 pm.",
        now=ago(days=1, hours=2),
    )
    services.postpone(
        complaint,
        by=keeper,
        until=complaint.promised_at + datetime.timedelta(days=2),
        reason="需与楼上业主当面沟通，业主出差周五回 (Meeting the neighbour on Friday when they are back)",
        now=ago(hours=20),
    )
    made += 4

    # Other households: a lively board.
    others = list(
        Unit.objects.filter(building__community__office=office).exclude(pk=unit.pk).select_related("building")[:40]
    )
    categories = ["plumbing", "electrical", "elevator", "cleaning", "door_lock", "parking", "security"]
    for n, other in enumerate(rng.sample(others, min(10, len(others)))):
        received = ago(hours=rng.randint(1, 90))
        public = n % 4 == 0
        order = services.file_request(
            by=desk,
            unit=other,
            kind="repair",
            area="public" if public else "home",
            category=categories[n % len(categories)],
            channel="phone",
            description=rng.choice(
                [
                    "电梯按钮失灵 (Lift button does not work)",
                    "楼道灯不亮 (Stairwell light out)",
                    "卫生间漏水 (Bathroom leak)",
                    "车库门卡住 (Garage door stuck)",
                    "门禁刷卡无反应 (Door card reader dead)",
                ]
            ),
            now=received,
        )
        made += 1
        if n % 5 == 4:
            continue  # waiting: shows as overdue against the three-minute promise
        order = services.dispatch(order, by=keeper, technician=tech, now=received + minutes(rng.choice([1, 2, 2, 6])))
        if n % 3 == 0 and received < ago(hours=3):
            _finish(order, tech, received + datetime.timedelta(hours=2))

    # An old public-area repair, escalated to the manager after 15 days.
    lift = services.file_request(
        by=desk,
        building=unit.building,
        kind="repair",
        area="public",
        category="elevator",
        channel="walk_in",
        caller_name="访客 (Visitor)",
        description="2 号电梯异响，需厂家维保。Lift 2 grinds; needs the maker's service.",
        now=ago(days=17),
        promised_at=ago(days=17) + datetime.timedelta(days=7),
    )
    services.dispatch(lift, by=keeper, technician=tech, now=lift.received_at + minutes(3))
    services.escalate_stale_public_repairs(now)
    made += 1
    return made
