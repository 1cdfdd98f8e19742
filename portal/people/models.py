"""People: the user, resident memberships of units, invitations, join requests, staff roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.properties.models import Company, Office, Unit

from .phones import normalize_phone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, phone, password, **extra):
        if not email and not phone:
            raise ValueError("A user needs an email address or a phone number.")
        email = self.normalize_email(email) if email else None
        phone = normalize_phone(phone) if phone else None
        user = self.model(email=email, phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, phone=None, **extra):
        extra.setdefault("is_superuser", False)
        extra.setdefault("is_staff", False)
        return self._create_user(email, phone, password, **extra)

    def create_superuser(self, email=None, password=None, phone=None, **extra):
        extra["is_superuser"] = True
        extra["is_staff"] = True
        return self._create_user(email, phone, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in with an email address or a mobile phone number."""

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    birth_date = models.DateField(
        _("date of birth"), null=True, blank=True, help_text=_("Optional: the office sends you a birthday greeting.")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_staff = models.BooleanField(
        _("platform administrator"), default=False, help_text=_("Technical administrators only.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False), name="user_has_email_or_phone"
            ),
        ]

    def __str__(self):
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def get_full_name(self):
        return str(self)

    def get_short_name(self):
        return str(self)

    def save(self, *args, **kwargs):
        if self.email == "":
            self.email = None
        if self.phone == "":
            self.phone = None
        super().save(*args, **kwargs)


class ResidentRole(models.TextChoices):
    OWNER = "owner", pgettext_lazy("resident role", "Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")


class ActiveMembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gt=on))


class ResidentMembership(models.Model):
    """A person living in or owning a unit. Move-out sets ``end_date``; rows are kept as history."""

    class Source(models.TextChoices):
        INVITATION = "invitation", _("Invitation code")
        APPROVAL = "approval", _("Approved request")
        OFFICE = "office", _("Registered by the office")
        IMPORT = "import", _("Imported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=10, choices=ResidentRole.choices)
    start_date = models.DateField(_("moved in"), default=timezone.localdate)
    end_date = models.DateField(_("moved out"), null=True, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    source = models.CharField(_("joined by"), max_length=12, choices=Source.choices, default=Source.OFFICE)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ActiveMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident membership")
        verbose_name_plural = _("resident memberships")
        ordering = ["unit_id", "role", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], condition=Q(end_date__isnull=True), name="membership_one_open_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"

    @property
    def is_active(self):
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date > today)


class Invitation(models.Model):
    """A one-time code issued by the office that lets one person join one unit."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=10, choices=ResidentRole.choices, default=ResidentRole.OWNER)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Who it is for, e.g. a name."))
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.code} → {self.unit}"

    @property
    def status(self):
        if self.used_at:
            return _("used")
        if self.revoked_at:
            return _("revoked")
        if self.expires_at <= timezone.now():
            return _("expired")
        return _("open")


class JoinRequest(models.Model):
    """A resident's request to be attached to a unit, decided by office staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("user")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=10, choices=ResidentRole.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], condition=Q(status="pending"), name="joinrequest_one_pending_per_unit"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.unit} ({self.get_status_display()})"


class StaffRole(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    HOUSEKEEPER = "housekeeper", _("Housekeeper")
    TECHNICIAN = "technician", _("Technician")
    BILLING_CLERK = "billing_clerk", _("Billing clerk")
    OFFICE_MANAGER = "office_manager", _("Office manager")
    HEADQUARTERS = "headquarters", _("Headquarters")


class StaffMembership(models.Model):
    """A staff role in one office, or (headquarters) across the whole company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_memberships",
        verbose_name=_("office"),
        help_text=_("Empty for headquarters, who see every office of the company."),
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ActiveMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["office_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office", "role"], condition=Q(end_date__isnull=True), name="staff_one_open_role"
            ),
            models.CheckConstraint(
                condition=Q(role="headquarters", office__isnull=True)
                | (~Q(role="headquarters") & Q(office__isnull=False)),
                name="staff_office_matches_role",
            ),
        ]

    def __str__(self):
        where = self.office.name if self.office_id else _("headquarters")
        return f"{self.user} · {self.get_role_display()} · {where}"
