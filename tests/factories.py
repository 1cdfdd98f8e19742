"""Factories shared by every app's tests. Additive edits only: other helpers extend this file."""

import functools
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.people.models import ResidentMembership, ResidentRole, StaffMembership, StaffRole, User
from portal.properties.models import Building, Community, Company, Grid, Office, Region, Unit


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Company {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Region {n}")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    code = factory.Sequence(lambda n: f"office-{n}")
    phone = "0571-88000000"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Community {n}")
    code = factory.Sequence(lambda n: f"community-{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"{n + 1}")
    floors = 18


DEFAULT_PASSWORD = "correct horse battery staple"


@functools.cache
def _cached_hash(raw: str, hasher: str) -> str:
    return make_password(raw, hasher=hasher)


def _password_hash(raw: str) -> str:
    # Hashing is deliberately slow: hash each password once per hasher (tests may switch PASSWORD_HASHERS).
    from django.contrib.auth.hashers import get_hasher

    return _cached_hash(raw, get_hasher().algorithm)


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is ``DEFAULT_PASSWORD`` (or ``UserFactory(raw_password=...)``)."""

    class Meta:
        model = User
        exclude = ("raw_password",)
        skip_postgeneration_save = True

    raw_password = DEFAULT_PASSWORD
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.LazyAttribute(lambda o: _password_hash(o.raw_password))


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"Grid {n}")
    housekeeper = None


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    grid = factory.SubFactory(GridFactory, community=factory.SelfAttribute("..building.community"))
    number = factory.Sequence(lambda n: f"{101 + n}")
    floor = 1
    floor_area = Decimal("89.50")


class ResidentMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentMembership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = ResidentRole.OWNER
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    verified = True


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    """A staff role in one office; pass ``office=None, role=StaffRole.HEADQUARTERS`` for headquarters."""

    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    company = factory.LazyAttribute(lambda o: o.office.region.company if o.office else CompanyFactory())
    role = StaffRole.FRONT_DESK
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


# --- people: accounts that can log in, invitations, join requests (helper-people) -------------


class AccountFactory(UserFactory):
    """A user who can log in through allauth: verified email (and verified phone when given)."""

    phone = None
    phone_verified = factory.LazyAttribute(lambda o: bool(o.phone))

    @factory.post_generation
    def _verified_email(obj, create, extracted, **kwargs):
        from allauth.account.models import EmailAddress

        if create and obj.email:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"primary": True, "verified": True}
            )


def enable_totp(user):
    """Give ``user`` a TOTP authenticator (staff need one to pass StaffTwoFactorMiddleware)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    return TOTP.activate(user, generate_totp_secret()).instance


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.Invitation"

    code = factory.Sequence(lambda n: f"TSTC{n:04d}")
    unit = factory.SubFactory(UnitFactory)
    role = ResidentRole.OWNER
    issued_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.JoinRequest"

    user = factory.SubFactory(AccountFactory)
    unit = factory.SubFactory(UnitFactory)
    role = ResidentRole.OWNER
    message = "I bought this flat last month."
