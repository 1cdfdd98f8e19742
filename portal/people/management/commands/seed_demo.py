"""``manage.py seed_demo``: the demo company, its property tree, staff, residents and site content.

The entry point for every app's demo data. Each part is one small function taking the shared
``Seed`` context, called in order from ``Command.seed``; an app adds its part there. Every part is
idempotent on its own (it creates nothing when it finds its data), and the parts run in one
transaction, so a half-seeded database cannot happen.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from portal import demo
from portal.people.models import ResidentMembership, ResidentRole, StaffMembership, StaffRole, User
from portal.properties.models import Building, Community, Company, Grid, Office, ParkingSpace, Region, Unit

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN_NAMES_TEXT = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 辉 玲 婷 鹏 宇 欣 浩 晨 雪 "
    "晓燕 佳 俊 子轩 梓涵 一诺 雨涵 思远 志强 海燕 建国 淑芬 国华 春梅 立新 红 颖 琳 斌 凯 峰 燕 萍 倩 嘉怡 浩然 "
    "欣怡 宇航 美玲 德明 永强 丽华 秀兰 玉兰 金凤 家豪 博文 诗涵 天佑 晓东 振华 慧敏"
)
GIVEN_NAMES = tuple(_GIVEN_NAMES_TEXT.split())
SINGLE_GIVEN_NAMES = tuple(g for g in GIVEN_NAMES if len(g) == 1)

# Lowest and highest floor area (m²) of one-, two-, three- and four-bedroom flats.
LAYOUTS = [(Decimal("60"), Decimal("72")), (Decimal("78"), Decimal("96")), (Decimal("105"), Decimal("135")),
           (Decimal("140"), Decimal("180"))]  # fmt: skip
UNSOLD_SHARE = 0.03
VACANT_SHARE = 0.05
TENANT_SHARE = 0.10
FAMILY_SHARE = 0.20
PARKING_PER_HOUSEHOLD = 0.5
OFFICE_STAFF = [  # (role, how many in each office) besides housekeepers, who come one per grid
    (StaffRole.OFFICE_MANAGER, 1),
    (StaffRole.FRONT_DESK, 2),
    (StaffRole.TECHNICIAN, 3),
    (StaffRole.BILLING_CLERK, 1),
]
EXTRA_HEADQUARTERS = 1
BATCH = 1000


@dataclass
class Seed:
    households: int
    password_hash: str
    today: datetime.date = field(default_factory=timezone.localdate)
    company: Company | None = None
    offices: dict[str, Office] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    created: Counter = field(default_factory=Counter)


class Command(BaseCommand):
    help = "Create the demo company (邻里物业) with offices, communities, staff and residents. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--households",
            type=int,
            default=demo.DEFAULT_HOUSEHOLDS,
            help=f"How many households to create across the communities (default {demo.DEFAULT_HOUSEHOLDS}).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Do nothing when demo data already exists (used by `make run`)."
        )

    def handle(self, *args, households: int, once: bool, **options):
        if households < demo.MIN_HOUSEHOLDS:
            raise CommandError(f"--households must be at least {demo.MIN_HOUSEHOLDS} (got {households}).")
        if once and demo_data_exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        started = time.monotonic()
        ctx = Seed(households=households, password_hash=make_password(demo.DEMO_PASSWORD))
        self.seed(ctx)
        elapsed = time.monotonic() - started
        made = ", ".join(f"{count} {what}" for what, count in sorted(ctx.created.items()) if count) or "nothing new"
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {elapsed:.1f}s: {made}."))
        self.print_logins()

    def seed(self, ctx: Seed) -> None:
        # Wagtail logs a line per page, revision and background task (reference index); hush them.
        with quiet_loggers("wagtail", "django_tasks", "celery"):
            with transaction.atomic():
                seed_company(ctx)
                seed_office_staff(ctx)
                for spec in demo.COMMUNITIES:
                    seed_property(ctx, spec)
                    seed_parking(ctx, spec)
                seed_residents(ctx)
                seed_demo_resident(ctx)
                seed_staff_totp(ctx)
                seed_charges(ctx)
                seed_meters(ctx)
                seed_apps(ctx)
            seed_site(ctx, self.stdout)

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for login in demo.DEMO_LOGINS:
            self.stdout.write(f"  {login.key:<15} {login.email:<32} {login.phone:<15} {login.full_name}")
        self.stdout.write(
            "Staff sign in with a one-time code: run `manage.py demo_totp <email>` for the current code, "
            f"or add the secret {demo.DEMO_TOTP_SECRET} to an authenticator app."
        )


@contextmanager
def quiet_loggers(*names: str):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def demo_data_exists() -> bool:
    return Company.objects.filter(name=demo.COMPANY_NAME).exists()


# --- people ------------------------------------------------------------------------------------


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_NAMES)
    if len(given) == 1 and rng.random() < 0.5:
        given += rng.choice(SINGLE_GIVEN_NAMES)
    return rng.choice(SURNAMES) + given


def named_user(ctx: Seed, *, email: str, phone: str, full_name: str) -> User:
    """A named account (a demo login, a staff member) that signs in with the demo password."""
    from portal.people.services import create_person

    user = User.objects.filter(email=email).first()
    if user is None:
        user = create_person(email=email, phone=phone, full_name=full_name, password=None)
        user.password = ctx.password_hash
        user.save(update_fields=["password"])
        ctx.created["accounts"] += 1
    return user


def give_role(ctx: Seed, user: User, role: str, office: Office | None = None) -> None:
    from portal.people.services import add_staff_role

    if not StaffMembership.objects.active().filter(user=user, role=role, office=office).exists():
        add_staff_role(user, company=ctx.company, role=role, office=office)
        ctx.created["staff roles"] += 1


# --- parts -------------------------------------------------------------------------------------


def seed_company(ctx: Seed) -> None:
    ctx.company, created = Company.objects.get_or_create(name=demo.COMPANY_NAME)
    ctx.created["companies"] += created
    region, _ = Region.objects.get_or_create(company=ctx.company, name=demo.REGION_NAME)
    for spec in demo.OFFICES:
        office, created = Office.objects.get_or_create(
            code=spec.code, defaults={"region": region, "name": spec.name, "phone": spec.phone, "address": spec.address}
        )
        ctx.created["offices"] += created
        ctx.offices[spec.code] = office
    for spec in demo.COMMUNITIES:
        community, created = Community.objects.get_or_create(
            code=spec.code,
            defaults={"office": ctx.offices[spec.office_code], "name": spec.name, "address": spec.address},
        )
        ctx.created["communities"] += created
        ctx.communities[spec.code] = community


def seed_office_staff(ctx: Seed) -> None:
    """Every role in every office, the fixed demo logins among them, and headquarters."""
    for office_index, spec in enumerate(demo.OFFICES, start=1):
        office = ctx.offices[spec.code]
        for role_index, (role, count) in enumerate(OFFICE_STAFF, start=1):
            fixed = [login for login in demo.DEMO_LOGINS if login.role == role and login.office_code == spec.code]
            for n in range(1, count + 1):
                if fixed and n == 1:
                    login = fixed[0]
                    user = named_user(ctx, email=login.email, phone=login.phone, full_name=login.full_name)
                else:
                    email = f"{role.replace('_', '')}.{spec.code}.{n}@{demo.DEMO_EMAIL_DOMAIN}"
                    rng = random.Random(email)
                    phone = f"+86139{office_index}{role_index}{n:06d}"
                    user = named_user(ctx, email=email, phone=phone, full_name=person_name(rng))
                give_role(ctx, user, role, office)
    hq = demo.DEMO_LOGIN_BY_KEY["headquarters"]
    give_role(ctx, named_user(ctx, email=hq.email, phone=hq.phone, full_name=hq.full_name), StaffRole.HEADQUARTERS)
    for n in range(1, EXTRA_HEADQUARTERS + 1):
        email = f"headquarters.{n}@{demo.DEMO_EMAIL_DOMAIN}"
        user = named_user(ctx, email=email, phone=f"+8613990{n:06d}", full_name=person_name(random.Random(email)))
        give_role(ctx, user, StaffRole.HEADQUARTERS)


@dataclass
class BuildingPlan:
    index: int
    floors: int
    per_floor: int
    units: int  # the last building of a community may stop part-way up

    @property
    def name(self) -> str:
        return f"{self.index}号楼"


def plan_buildings(rng: random.Random, households: int) -> list[BuildingPlan]:
    plans, left = [], households
    while left > 0:
        floors, per_floor = rng.randint(18, 33), rng.randint(2, 4)
        units = min(left, floors * per_floor)
        floors = -(-units // per_floor)
        plans.append(BuildingPlan(len(plans) + 1, floors, per_floor, units))
        left -= units
    return plans


def community_households(ctx: Seed, spec: demo.CommunitySpec) -> int:
    if spec is demo.COMMUNITIES[-1]:
        return ctx.households - sum(round(ctx.households * s.share) for s in demo.COMMUNITIES[:-1])
    return round(ctx.households * spec.share)


def seed_property(ctx: Seed, spec: demo.CommunitySpec) -> None:
    """Buildings, grids of ~375 households with a housekeeper each, and the units."""
    community = ctx.communities[spec.code]
    if community.buildings.exists():
        return
    rng = random.Random(f"property:{spec.code}")
    plans = plan_buildings(rng, community_households(ctx, spec))
    buildings = Building.objects.bulk_create(
        [Building(community=community, name=plan.name, floors=plan.floors) for plan in plans]
    )
    grid_of_building = seed_grids(ctx, spec, plans)
    demo_unit = (demo.DEMO_RESIDENT_BUILDING, demo.DEMO_RESIDENT_UNIT) if spec is demo.COMMUNITIES[0] else None
    units = []
    for plan, building in zip(plans, buildings, strict=True):
        areas = [_area(rng, *rng.choice(LAYOUTS)) for _ in range(plan.per_floor)]
        has_duplex = rng.random() < 0.25
        for i in range(plan.units):
            floor, position = divmod(i, plan.per_floor)
            floor += 1
            top = has_duplex and floor == plan.floors
            roll = rng.random()
            number = f"{floor}{position + 1:02d}"
            status = (
                Unit.Status.SOLD
                if (plan.name, number) == demo_unit
                else Unit.Status.UNSOLD
                if roll < UNSOLD_SHARE
                else Unit.Status.VACANT
                if roll < UNSOLD_SHARE + VACANT_SHARE
                else Unit.Status.SOLD
            )
            units.append(
                Unit(
                    building=building,
                    grid=grid_of_building[plan.index],
                    number=number,
                    floor=floor,
                    floor_area=_area(rng, Decimal("150"), Decimal("180")) if top else areas[position],
                    unit_type=Unit.UnitType.DUPLEX if top else Unit.UnitType.APARTMENT,
                    status=status,
                )
            )
    Unit.objects.bulk_create(units, batch_size=BATCH)
    ctx.created["buildings"] += len(buildings)
    ctx.created["units"] += len(units)


def _area(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    cents = rng.randint(int(low * 100), int(high * 100))
    return Decimal(cents) / 100


def seed_grids(ctx: Seed, spec: demo.CommunitySpec, plans: list[BuildingPlan]) -> dict[int, Grid]:
    """Split whole buildings into grids of about ``HOUSEHOLDS_PER_GRID`` households, each with a housekeeper."""
    community = ctx.communities[spec.code]
    office = ctx.offices[spec.office_code]
    total = sum(plan.units for plan in plans)
    count = max(1, round(total / demo.HOUSEHOLDS_PER_GRID))
    per_grid = total / count
    members: list[list[BuildingPlan]] = [[] for _ in range(count)]
    done = 0
    for plan in plans:
        members[min(count - 1, int((done + plan.units / 2) // per_grid))].append(plan)
        done += plan.units
    community_index = [s.code for s in demo.COMMUNITIES].index(spec.code) + 1
    demo_housekeeper = demo.DEMO_LOGIN_BY_KEY["housekeeper"]
    grid_of_building = {}
    # A few very large buildings can leave a grid without any; it is simply not created.
    for n, grid_plans in enumerate([m for m in members if m], start=1):
        if spec is demo.COMMUNITIES[0] and n == 1:
            keeper = named_user(
                ctx, email=demo_housekeeper.email, phone=demo_housekeeper.phone, full_name=demo_housekeeper.full_name
            )
        else:
            email = f"housekeeper.{spec.code}.{n}@{demo.DEMO_EMAIL_DOMAIN}"
            phone = f"+86158{community_index:02d}{n:06d}"
            keeper = named_user(ctx, email=email, phone=phone, full_name=person_name(random.Random(email)))
        give_role(ctx, keeper, StaffRole.HOUSEKEEPER, office)
        first, last = grid_plans[0], grid_plans[-1]
        covers = first.name if first is last else f"{first.name}–{last.name}"
        grid = Grid.objects.create(
            community=community,
            name=f"第{n}网格 (Grid {n})",
            housekeeper=keeper,
            description=f"{covers} · 管家 {keeper.full_name} {keeper.phone}",
        )
        ctx.created["grids"] += 1
        for plan in grid_plans:
            grid_of_building[plan.index] = grid
    return grid_of_building


def seed_parking(ctx: Seed, spec: demo.CommunitySpec) -> None:
    community = ctx.communities[spec.code]
    if community.parking_spaces.exists():
        return
    rng = random.Random(f"parking:{spec.code}")
    sold = list(
        Unit.objects.filter(building__community=community, status=Unit.Status.SOLD).values_list("pk", flat=True)
    )
    rng.shuffle(sold)
    count = max(10, int(Unit.objects.filter(building__community=community).count() * PARKING_PER_HOUSEHOLD))
    spaces = []
    for i in range(count):
        level, slot = divmod(i, 300)
        roll = rng.random()
        kind = (
            ParkingSpace.Kind.VISITOR
            if roll < 0.05
            else ParkingSpace.Kind.OWNED
            if roll < 0.50
            else ParkingSpace.Kind.RENTED
        )
        unit_id = sold.pop() if kind != ParkingSpace.Kind.VISITOR and sold and rng.random() < 0.8 else None
        spaces.append(
            ParkingSpace(
                community=community,
                number=f"B{level + 1}-{slot + 1:03d}",
                kind=kind,
                area=_area(rng, Decimal("12.5"), Decimal("15")),
                unit_id=unit_id,
            )
        )
    ParkingSpace.objects.bulk_create(spaces, batch_size=BATCH)
    ctx.created["parking spaces"] += len(spaces)


def demo_resident_unit(community: Community) -> Unit | None:
    units = Unit.objects.filter(building__community=community, status=Unit.Status.SOLD)
    return (
        units.filter(building__name=demo.DEMO_RESIDENT_BUILDING, number=demo.DEMO_RESIDENT_UNIT).first()
        or units.filter(building__name=demo.DEMO_RESIDENT_BUILDING).order_by("-floor", "number").first()
        or units.order_by("pk").first()
    )


def seed_residents(ctx: Seed) -> None:
    """An owner for every sold or vacant unit (bar the demo resident's); tenants and family where people live."""
    from allauth.account.models import EmailAddress

    if not connection.features.can_return_rows_from_bulk_insert:
        raise CommandError("The database must return primary keys from bulk inserts (SQLite ≥ 3.35 or PostgreSQL).")
    for community_index, spec in enumerate(demo.COMMUNITIES, start=1):
        community = ctx.communities[spec.code]
        if ResidentMembership.objects.filter(unit__building__community=community).exists():
            continue
        reserved = demo_resident_unit(community) if spec is demo.COMMUNITIES[0] else None
        rng = random.Random(f"residents:{spec.code}")
        units = (
            Unit.objects.filter(building__community=community, status__in=[Unit.Status.SOLD, Unit.Status.VACANT])
            .exclude(pk=getattr(reserved, "pk", None))
            .select_related("building")
            .order_by("pk")
        )
        users, roles = [], []  # parallel lists: the user, and (unit, role, start date)
        for serial, unit in enumerate(units, start=1):
            local = f"{spec.code}.b{unit.building.name.removesuffix('号楼')}-{unit.number}"
            moved_in = ctx.today - datetime.timedelta(days=rng.randint(60, 365 * 10))
            people = [(ResidentRole.OWNER, f"{local}@{demo.DEMO_EMAIL_DOMAIN}", "137", moved_in)]
            lived_in = unit.status == Unit.Status.SOLD  # a vacant flat (空置房) has an owner and nobody else
            if lived_in and rng.random() < TENANT_SHARE:
                since = ctx.today - datetime.timedelta(days=rng.randint(10, 700))
                people.append((ResidentRole.TENANT, f"{local}.tenant@{demo.DEMO_EMAIL_DOMAIN}", "136", since))
            if lived_in and rng.random() < FAMILY_SHARE:
                people.append((ResidentRole.FAMILY, None, "135", moved_in))  # phone only, as many elders
            for role, email, prefix, since in people:
                users.append(
                    User(
                        email=email,
                        phone=f"+86{prefix}{community_index:02d}{serial:06d}",
                        phone_verified=True,
                        full_name=person_name(rng),
                        password=ctx.password_hash,
                    )
                )
                roles.append((unit, role, since))
        User.objects.bulk_create(users, batch_size=BATCH)
        ResidentMembership.objects.bulk_create(
            [
                ResidentMembership(
                    user=user,
                    unit=unit,
                    role=role,
                    start_date=since,
                    verified=True,
                    source=ResidentMembership.Source.IMPORT,
                )
                for user, (unit, role, since) in zip(users, roles, strict=True)
            ],
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users if u.email],
            batch_size=BATCH,
        )
        ctx.created["residents"] += len(users)


def seed_demo_resident(ctx: Seed) -> None:
    """The fixed resident login: owner of a flat in the first community, in the demo housekeeper's grid."""
    from portal.people.services import move_in

    login = demo.DEMO_LOGIN_BY_KEY["resident"]
    user = named_user(ctx, email=login.email, phone=login.phone, full_name=login.full_name)
    if ResidentMembership.objects.active().filter(user=user).exists():
        return
    unit = demo_resident_unit(ctx.communities[demo.COMMUNITIES[0].code])
    move_in(
        user=user,
        unit=unit,
        role=ResidentRole.OWNER,
        start_date=datetime.date(2019, 5, 18),
        source=ResidentMembership.Source.OFFICE,
    )
    ctx.created["residents"] += 1


def seed_staff_totp(ctx: Seed) -> None:
    """Staff must use TOTP: every demo staff account gets the published demo secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    staff = User.objects.filter(
        staff_memberships__company=ctx.company, email__endswith=f"@{demo.DEMO_EMAIL_DOMAIN}"
    ).distinct()
    enrolled = set(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("user_id", flat=True))
    for user in staff:
        if user.pk not in enrolled:
            TOTP.activate(user, demo.DEMO_TOTP_SECRET)
            ctx.created["TOTP authenticators"] += 1


# --- billing -----------------------------------------------------------------------------------


def seed_charges(ctx: Seed) -> None:
    """Charge items and standards of every demo office, from billing's own seed."""
    from commerce.billing.demo import seed_demo_charges

    ctx.created["charge items"] += seed_demo_charges()


def seed_meters(ctx: Seed) -> None:
    """Water meters with readings and a shared meter in the first community, from meters' own seed."""
    from commerce.meters.demo import seed_demo_meters

    ctx.created["meters"] += seed_demo_meters(ctx.today)


# --- the other apps, each from its own demo module ------------------------------------------------

APP_SEEDS = [  # (module, function, what the count counts)
    ("commerce.billing.demo", "seed_demo_bills", "bills"),
    ("portal.workorders.demo", "seed_demo_workorders", "work orders"),
    ("portal.clubhouse.demo", "seed_demo_clubhouse", "clubhouse records"),
    ("portal.voting.demo", "seed_demo_voting", "owners' meeting records"),
    ("services_catalog.demo", "seed_demo_services", "special services"),
    ("commerce.marketplace.demo", "seed_demo_marketplace", "marketplace records"),
    ("notifications.demo", "seed_demo_notifications", "notifications"),
]


def seed_apps(ctx: Seed) -> None:
    from importlib import import_module

    for module, function, what in APP_SEEDS:
        ctx.created[what] += getattr(import_module(module), function)(ctx.today)


# --- public site -------------------------------------------------------------------------------


def seed_site(ctx: Seed, out) -> None:
    """The public site (home, news, notices) with demo news and notices, from the site shell's own seed."""
    try:
        from frontend.demo import seed_site_content
    except ImportError:  # a build without the site shell
        out.write("Skipped demo news and notices: frontend.demo.seed_site_content is not available.")
        return
    ctx.created["news and notices"] += seed_site_content()
