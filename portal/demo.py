"""Constants of the demo data (``manage.py seed_demo``): one company, fixed logins, one password.

Everything here is public on purpose: it is what the README tells a visitor to type. None of it
may be used outside a demo database, which is why ``demo_totp`` only answers for accounts whose
TOTP secret is ``DEMO_TOTP_SECRET``.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "linli-demo-2026"  # noqa: S105 - the published demo password
# Base32, as authenticator apps expect; every seeded staff account shares it.
DEMO_TOTP_SECRET = "LINLIDEMOSTAFFTOTPSECRETTWENTYSX"  # noqa: S105 - published demo secret
DEMO_EMAIL_DOMAIN = "demo.linli.local"

COMPANY_NAME = "邻里物业 (Linli Property Services)"
REGION_NAME = "华东区域公司 (East China Region)"


@dataclass(frozen=True)
class OfficeSpec:
    code: str
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    office_code: str
    address: str
    share: float  # of all households


OFFICES = [
    OfficeSpec("chengdong", "城东管理处 (Chengdong Office)", "0571-8801 2000", "杭州市上城区望江路 88 号"),
    OfficeSpec("binjiang", "滨江管理处 (Binjiang Office)", "0571-8602 3000", "杭州市滨江区江南大道 1200 号"),
]

COMMUNITIES = [
    CommunitySpec("lotus-garden", "绿荷苑 (Lotus Garden)", "chengdong", "杭州市上城区望江路 88 号", 0.35),
    CommunitySpec("maple-bay", "枫林湾 (Maple Bay)", "chengdong", "杭州市上城区秋涛路 316 号", 0.25),
    CommunitySpec("riverside", "滨江花园 (Riverside Gardens)", "binjiang", "杭州市滨江区江南大道 1200 号", 0.40),
]


@dataclass(frozen=True)
class DemoLogin:
    key: str
    email: str
    phone: str
    full_name: str
    role: str  # a StaffRole value, or "resident"
    office_code: str | None  # None for residents and headquarters


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


# Every office-bound demo login works in the first office, so that they see each other's work.
DEMO_LOGINS = [
    DemoLogin("resident", _email("resident"), "+8613800000001", "李晓梅", "resident", None),
    DemoLogin("housekeeper", _email("housekeeper"), "+8613900000001", "王海涛", "housekeeper", "chengdong"),
    DemoLogin("technician", _email("technician"), "+8613900000002", "刘建国", "technician", "chengdong"),
    DemoLogin("billing_clerk", _email("billing"), "+8613900000003", "赵丽", "billing_clerk", "chengdong"),
    DemoLogin("front_desk", _email("frontdesk"), "+8613900000004", "陈静", "front_desk", "chengdong"),
    DemoLogin("office_manager", _email("manager"), "+8613900000005", "孙明", "office_manager", "chengdong"),
    DemoLogin("headquarters", _email("hq"), "+8613900000006", "周文华", "headquarters", None),
]
DEMO_LOGIN_BY_KEY = {login.key: login for login in DEMO_LOGINS}

# The demo resident owns this unit of the first community (the nearest sold unit if it is missing).
DEMO_RESIDENT_BUILDING = "1号楼"
DEMO_RESIDENT_UNIT = "1201"

DEFAULT_HOUSEHOLDS = 5500
MIN_HOUSEHOLDS = 60
HOUSEHOLDS_PER_GRID = 375
