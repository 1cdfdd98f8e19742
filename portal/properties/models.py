"""The property tree: company → region → office → community → building → unit (+ parking)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Region(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="regions", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["company__name", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="region_unique_name")]

    def __str__(self):
        return self.name


class Office(models.Model):
    """A management office (管理处): the unit of data permission for staff."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offices", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("management office")
        verbose_name_plural = _("management offices")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def company_id(self):
        return self.region.company_id


class Community(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="communities", verbose_name=_("office"))
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Building(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("For example “3” or “3号楼”."))
    floors = models.PositiveSmallIntegerField(_("floors"), default=1, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community__name", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")]

    def __str__(self):
        return f"{self.community.name} · {self.name}"

    @property
    def office_id(self):
        return self.community.office_id


class Grid(models.Model):
    """A grid (网格) of roughly 350–400 households with one housekeeper who answers for it."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    housekeeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="housekept_grids",
        verbose_name=_("housekeeper"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community__name", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self):
        return f"{self.community.name} · {self.name}"


class Unit(models.Model):
    class UnitType(models.TextChoices):
        APARTMENT = "apartment", _("Apartment")
        VILLA = "villa", _("Villa")
        DUPLEX = "duplex", _("Duplex")
        SHOP = "shop", _("Shop")
        OFFICE = "office", pgettext_lazy("unit type", "Office")

    class Status(models.TextChoices):
        SOLD = "sold", _("Sold")
        UNSOLD = "unsold", _("Unsold (developer)")
        VACANT = "vacant", _("Vacant")

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="units", verbose_name=_("grid"))
    number = models.CharField(_("unit number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_type = models.CharField(_("type"), max_length=20, choices=UnitType.choices, default=UnitType.APARTMENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SOLD)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building__community__name", "building__name", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number"),
            models.CheckConstraint(condition=models.Q(floor_area__gt=0), name="unit_floor_area_positive"),
        ]
        indexes = [models.Index(fields=["grid", "building"])]

    def __str__(self):
        return f"{self.building.community.name} {self.building.name}-{self.number}"

    @property
    def label(self):
        return f"{self.building.name}-{self.number}"


class ParkingSpace(models.Model):
    class Kind(models.TextChoices):
        OWNED = "owned", _("Owned")
        RENTED = "rented", _("Rented")
        VISITOR = "visitor", _("Visitor")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="parking_spaces", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RENTED)
    area = models.DecimalField(_("area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parking_spaces",
        verbose_name=_("assigned unit"),
    )

    class Meta:
        verbose_name = _("parking space")
        verbose_name_plural = _("parking spaces")
        ordering = ["community__name", "number"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="parking_unique_number")]

    def __str__(self):
        return f"{self.community.name} P{self.number}"
