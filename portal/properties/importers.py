"""Import units and residents from CSV or Excel (.xlsx).

All or nothing: every row is checked first, and a file with any bad row imports nothing; the
refusal lists every bad row with its line number as the user sees it in the spreadsheet (the
header is line 1) and the reason. A good file is written in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.access import office_ids_with_role
from portal.audit.recorder import record_action
from portal.people.models import ResidentMembership, ResidentRole, StaffRole, User
from portal.people.phones import normalize_phone

from .models import Building, Community, Grid, Unit
from .tabular import (
    Column,
    ImportRefused,
    Row,
    RowError,
    choice_lookup,
    norm,
    read_table,
    refuse,
    table_rows,
)

# --- columns -------------------------------------------------------------------------------


COMMUNITY = Column(
    "community",
    gettext_lazy("Community code"),
    ("小区编码", "小区代码", "community", "项目编码"),
    hint=gettext_lazy("The code of a community of an office you manage."),
)
BUILDING = Column(
    "building",
    gettext_lazy("Building"),
    ("楼栋", "楼宇", "楼号", "楼栋名称"),
    hint=gettext_lazy("The building's name."),
)
NUMBER = Column("number", gettext_lazy("Unit number"), ("房号", "房间号", "房间", "unit", "number"))

UNIT_COLUMNS = (
    COMMUNITY,
    BUILDING,
    NUMBER,
    Column("floor", gettext_lazy("Floor"), ("楼层",), hint=gettext_lazy("A whole number.")),
    Column(
        "floor_area",
        gettext_lazy("Floor area"),
        ("建筑面积", "面积", "area", "floor area (m²)"),
        hint=gettext_lazy("m², greater than 0, at most 2 decimals."),
    ),
    Column(
        "unit_type",
        gettext_lazy("Type"),
        ("类型", "房屋类型", "unit type"),
        required=False,
        hint=gettext_lazy(
            "Apartment, Villa, Duplex, Shop or Office (住宅, 别墅, 复式, 商铺, 写字楼); empty: Apartment."
        ),
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        ("状态", "房屋状态"),
        required=False,
        hint=gettext_lazy("Sold, Unsold or Vacant (已售, 未售, 空置); empty: Sold."),
    ),
    Column("grid", gettext_lazy("Grid"), ("网格",), hint=gettext_lazy("The name of a grid of the community.")),
)

RESIDENT_COLUMNS = (
    COMMUNITY,
    BUILDING,
    NUMBER,
    Column("full_name", gettext_lazy("Full name"), ("姓名", "name")),
    Column(
        "phone",
        gettext_lazy("Phone"),
        ("手机", "手机号", "手机号码", "电话", "mobile"),
        required=False,
        hint=gettext_lazy("A phone number, an email address, or both."),
    ),
    Column(
        "email",
        gettext_lazy("Email"),
        ("邮箱", "电子邮箱", "e-mail"),
        required=False,
        hint=gettext_lazy("A phone number, an email address, or both."),
    ),
    Column(
        "role",
        gettext_lazy("Role"),
        ("身份", "角色"),
        hint=gettext_lazy("Owner, Tenant or Family member (业主, 租户, 同住人)."),
    ),
    Column(
        "start_date",
        gettext_lazy("Move-in date"),
        ("入住日期", "入伙日期", "move in date", "moved in"),
        required=False,
        hint=gettext_lazy("Like 2024-03-01; empty: today."),
    ),
)

# Accepted spellings of choice values besides the stored value and the English/Chinese labels.
UNIT_TYPE_ALIASES = {
    "住宅": Unit.UnitType.APARTMENT,
    "公寓": Unit.UnitType.APARTMENT,
    "别墅": Unit.UnitType.VILLA,
    "复式": Unit.UnitType.DUPLEX,
    "商铺": Unit.UnitType.SHOP,
    "写字楼": Unit.UnitType.OFFICE,
    "办公": Unit.UnitType.OFFICE,
}
STATUS_ALIASES = {
    "已售": Unit.Status.SOLD,
    "未售": Unit.Status.UNSOLD,
    "开发商": Unit.Status.UNSOLD,
    "空置": Unit.Status.VACANT,
}
ROLE_ALIASES = {
    "业主": ResidentRole.OWNER,
    "租户": ResidentRole.TENANT,
    "同住人": ResidentRole.FAMILY,
    "家属": ResidentRole.FAMILY,
    "家庭成员": ResidentRole.FAMILY,
}


@dataclass
class ImportResult:
    created: int
    users_created: int = 0
    users_reused: int = 0
    communities: list[Community] = field(default_factory=list)


# --- shared lookups ------------------------------------------------------------------------


class PlaceLookup:
    """Communities, buildings and units named in a file, loaded in a few queries."""

    def __init__(self, user, rows: list[Row], *, with_grids=False, with_units=False):
        codes = {row.text("community") for row in rows} - {""}
        communities = Community.objects.filter(
            Q(code__in=codes) | Q(code__in={c.lower() for c in codes})
        ).select_related("office")
        self.communities = {c.code.lower(): c for c in communities}
        # Importing is an office manager's job: only the offices the user manages (or all, for HQ).
        self.allowed_offices = office_ids_with_role(user, [StaffRole.OFFICE_MANAGER])
        self.community_ids = ids = [c.pk for c in communities]
        self.buildings = {
            (b.community_id, b.name.strip().lower()): b
            for b in Building.objects.filter(community_id__in=ids).select_related("community__office")
        }
        self.grids = (
            {(g.community_id, g.name.strip().lower()): g for g in Grid.objects.filter(community_id__in=ids)}
            if with_grids
            else {}
        )
        self.units = (
            {
                (u.building_id, u.number.lower()): u
                for u in Unit.objects.filter(building__community_id__in=ids).select_related("building__community")
            }
            if with_units
            else {}
        )

    def community(self, row: Row) -> Community | None:
        code = row.required("community", (COMMUNITY,))
        if not code:
            return None
        community = self.communities.get(code.lower())
        if community is None:
            row.errors.append(_("Unknown community code “%(code)s”.") % {"code": code})
            return None
        if self.allowed_offices is not None and community.office_id not in self.allowed_offices:
            row.errors.append(_("Community “%(code)s” is not one of the offices you manage.") % {"code": code})
            return None
        return community

    def building(self, row: Row, community: Community | None) -> Building | None:
        name = row.required("building", (BUILDING,))
        if not name or community is None:
            return None
        building = self.buildings.get((community.pk, name.lower()))
        if building is None:
            row.errors.append(
                _("Community %(community)s has no building “%(name)s”.") % {"community": community.code, "name": name}
            )
        return building


def _choice(row: Row, key: str, lookup: dict, default, label, choices_class) -> str | None:
    value = row.text(key)
    if not value:
        return default
    found = lookup.get(norm(value))
    if found is None:
        row.errors.append(
            _("Unknown %(what)s “%(value)s”; use one of: %(choices)s.")
            % {"what": label, "value": value, "choices": ", ".join(str(name) for _value, name in choices_class.choices)}
        )
    return found


def _check(rows: list[Row]) -> None:
    errors = [RowError(row.line, message) for row in rows for message in row.errors]
    if errors:
        raise ImportRefused(errors)


def _record(communities, summary: str, filename: str) -> None:
    for community in communities:
        record_action(community, summary, {"file": filename})


# --- units ---------------------------------------------------------------------------------


def _floor(row: Row) -> int | None:
    value = row.required("floor", UNIT_COLUMNS)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() or abs(number) > 300:
        row.errors.append(_("Floor “%(value)s” is not a whole number.") % {"value": value})
        return None
    return int(number)


def _area(row: Row) -> Decimal | None:
    raw = row.raw.get("floor_area")
    value = row.required("floor_area", UNIT_COLUMNS)
    if not value:
        return None
    try:
        # Excel stores 88.35 as a binary float; its shortest repr is what the user typed.
        area = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(value.replace(",", ""))
    except InvalidOperation:
        area = None
    if area is None or not area.is_finite() or area <= 0:
        row.errors.append(_("Floor area must be a number greater than 0 (got “%(value)s”).") % {"value": value})
        return None
    if area.as_tuple().exponent < -2:
        row.errors.append(_("Floor area “%(value)s” has more than 2 decimal places.") % {"value": value})
        return None
    if area >= Decimal("10000000"):
        row.errors.append(_("Floor area “%(value)s” is too large.") % {"value": value})
        return None
    return area


def import_units(user, uploaded) -> ImportResult:
    rows = table_rows(read_table(uploaded), UNIT_COLUMNS)
    places = PlaceLookup(user, rows, with_grids=True, with_units=True)
    types = choice_lookup(Unit.UnitType, UNIT_TYPE_ALIASES)
    statuses = choice_lookup(Unit.Status, STATUS_ALIASES)
    seen: dict[tuple, int] = {}
    planned = []
    max_length = Unit._meta.get_field("number").max_length
    for row in rows:
        community = places.community(row)
        building = places.building(row, community)
        number = row.required("number", UNIT_COLUMNS)
        if len(number) > max_length:
            row.errors.append(_("Unit number “%(value)s” is too long.") % {"value": number})
        floor = _floor(row)
        area = _area(row)
        unit_type = _choice(row, "unit_type", types, Unit.UnitType.APARTMENT, _("type"), Unit.UnitType)
        status = _choice(row, "status", statuses, Unit.Status.SOLD, _("status"), Unit.Status)
        grid_name = row.required("grid", UNIT_COLUMNS)
        grid = None
        if grid_name and community is not None:
            grid = places.grids.get((community.pk, grid_name.lower()))
            if grid is None:
                row.errors.append(
                    _("Community %(community)s has no grid “%(name)s”.")
                    % {"community": community.code, "name": grid_name}
                )
        if building is not None and number:
            key = (building.pk, number.lower())
            if key in seen:
                row.errors.append(
                    _("Unit %(unit)s is also on line %(line)d.")
                    % {"unit": f"{building.name}-{number}", "line": seen[key]}
                )
            else:
                seen[key] = row.line
            if key in places.units:
                row.errors.append(
                    _("Unit %(unit)s already exists in %(community)s.")
                    % {"unit": f"{building.name}-{number}", "community": community.code}
                )
        if not row.errors:
            planned.append(
                Unit(
                    building=building,
                    grid=grid,
                    number=number,
                    floor=floor,
                    floor_area=area,
                    unit_type=unit_type,
                    status=status,
                )
            )
    _check(rows)

    try:
        with transaction.atomic():
            for unit in planned:
                unit.save()
            touched = _touched_communities(u.building.community for u in planned)
            _record(touched, _("Imported %(count)d units") % {"count": len(planned)}, uploaded.name)
    except IntegrityError:
        refuse(_("Someone else changed these units while the file was being imported; nothing was imported."))
    return ImportResult(created=len(planned), communities=touched)


def _touched_communities(communities) -> list[Community]:
    return list({c.pk: c for c in communities}.values())


# --- residents -----------------------------------------------------------------------------


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _date(row: Row) -> dt.date | None:
    raw = row.raw.get("start_date")
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    value = row.text("start_date")
    if not value:
        return timezone.localdate()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    row.errors.append(_("Move-in date “%(value)s” is not a date; write it like 2024-03-01.") % {"value": value})
    return None


@dataclass
class PlannedResident:
    line: int
    unit: Unit
    full_name: str
    phone: str | None
    email: str | None
    role: str
    start_date: dt.date
    user: User | None  # an existing account found by phone or email


def _contact(row: Row) -> tuple[str | None, str | None]:
    phone = email = None
    raw_phone, raw_email = row.text("phone"), row.text("email")
    if raw_phone:
        try:
            phone = normalize_phone(raw_phone)
        except ValidationError as exc:
            row.errors.extend(exc.messages)
    if raw_email:
        try:
            validate_email(raw_email)
            email = User.objects.normalize_email(raw_email)
        except ValidationError:
            row.errors.append(_("“%(value)s” is not a valid email address.") % {"value": raw_email})
    if not raw_phone and not raw_email:
        row.errors.append(_("Give a mobile phone number or an email address."))
    return phone, email


def import_residents(user, uploaded) -> ImportResult:
    rows = table_rows(read_table(uploaded), RESIDENT_COLUMNS)
    places = PlaceLookup(user, rows, with_units=True)
    roles = choice_lookup(ResidentRole, ROLE_ALIASES)

    contacts = [_contact(row) for row in rows]
    phones = {p for p, _e in contacts if p}
    emails = {e.lower() for _p, e in contacts if e}
    accounts = (
        User.objects.annotate(email_lower=Lower("email")).filter(Q(phone__in=phones) | Q(email_lower__in=emails))
        if phones or emails
        else []
    )
    by_phone = {u.phone: u for u in accounts if u.phone}
    by_email = {u.email.lower(): u for u in accounts if u.email}
    open_memberships = set(
        ResidentMembership.objects.filter(
            end_date__isnull=True, unit__building__community_id__in=places.community_ids
        ).values_list("user_id", "unit_id")
    )

    planned: list[PlannedResident] = []
    seen_person_unit: dict[tuple, int] = {}
    phone_email: dict[str, tuple[str | None, int]] = {}
    email_phone: dict[str, tuple[str | None, int]] = {}
    for row, (phone, email) in zip(rows, contacts, strict=True):
        community = places.community(row)
        building = places.building(row, community)
        number = row.required("number", RESIDENT_COLUMNS)
        unit = None
        if building is not None and number:
            unit = places.units.get((building.pk, number.lower()))
            if unit is None:
                row.errors.append(
                    _("Building %(building)s has no unit “%(number)s”.") % {"building": building.name, "number": number}
                )
        full_name = row.required("full_name", RESIDENT_COLUMNS)
        if len(full_name) > User._meta.get_field("full_name").max_length:
            row.errors.append(_("The name is too long."))
        role = (
            _choice(row, "role", roles, None, _("role"), ResidentRole)
            if row.required("role", RESIDENT_COLUMNS)
            else None
        )
        start_date = _date(row)

        account = None
        found_by_phone = by_phone.get(phone) if phone else None
        found_by_email = by_email.get(email.lower()) if email else None
        if found_by_phone and found_by_email and found_by_phone.pk != found_by_email.pk:
            row.errors.append(_("The phone number and the email address belong to two different accounts."))
        else:
            account = found_by_phone or found_by_email
        # Within the file, one phone must always go with the same email and vice versa.
        if phone and email:
            for mapping, key, other, what in (
                (phone_email, phone, email.lower(), _("phone number")),
                (email_phone, email.lower(), phone, _("email address")),
            ):
                earlier = mapping.setdefault(key, (other, row.line))
                if earlier[0] != other:
                    row.errors.append(
                        _("This %(what)s appears on line %(line)d with a different phone or email.")
                        % {"what": what, "line": earlier[1]}
                    )
        person = phone or (email.lower() if email else None)
        if unit is not None and person:
            key = (person, unit.pk)
            if key in seen_person_unit:
                row.errors.append(
                    _("This person is already listed for unit %(unit)s on line %(line)d.")
                    % {"unit": unit.label, "line": seen_person_unit[key]}
                )
            else:
                seen_person_unit[key] = row.line
            if account is not None and (account.pk, unit.pk) in open_memberships:
                row.errors.append(
                    _("%(person)s is already a resident of unit %(unit)s.") % {"person": account, "unit": unit.label}
                )
        if account is not None and not account.is_active:
            row.errors.append(_("The account of %(person)s is deactivated.") % {"person": account})
        if not row.errors:
            planned.append(PlannedResident(row.line, unit, full_name, phone, email, role, start_date, account))
    _check(rows)

    created_users, reused = 0, set()
    try:
        with transaction.atomic():
            made: dict[str, User] = {}
            for item in planned:
                account = item.user or made.get(item.phone or "") or made.get((item.email or "").lower())
                if account is None:
                    account = User.objects.create_user(
                        email=item.email, phone=item.phone, password=None, full_name=item.full_name
                    )
                    created_users += 1
                elif item.user is not None:
                    reused.add(account.pk)
                for key in (item.phone, (item.email or "").lower()):
                    if key:
                        made[key] = account
                ResidentMembership.objects.create(
                    user=account,
                    unit=item.unit,
                    role=item.role,
                    start_date=item.start_date,
                    verified=True,
                    source=ResidentMembership.Source.IMPORT,
                )
            touched = _touched_communities(item.unit.building.community for item in planned)
            _record(touched, _("Imported %(count)d residents") % {"count": len(planned)}, uploaded.name)
    except IntegrityError:
        refuse(_("Someone else changed these residents while the file was being imported; nothing was imported."))
    return ImportResult(
        created=len(planned), users_created=created_users, users_reused=len(reused), communities=touched
    )


# --- templates -----------------------------------------------------------------------------

IMPORTERS: dict[str, tuple[tuple[Column, ...], Callable]] = {
    "units": (UNIT_COLUMNS, import_units),
    "residents": (RESIDENT_COLUMNS, import_residents),
}


def template_csv(kind: str, language: str | None = None) -> bytes:
    """A header-only CSV for ``kind``, in Chinese or English column names, with a BOM for Excel."""
    columns = IMPORTERS[kind][0]
    chinese = (language or translation.get_language() or "").lower().startswith("zh")
    with translation.override("en"):
        names = [c.chinese if chinese else str(c.label) for c in columns]
    buffer = io.StringIO()
    csv.writer(buffer).writerow(names)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
