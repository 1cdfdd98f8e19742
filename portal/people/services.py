"""Every change to people: invitations, join requests, moves in and out, staff roles.

Views parse input and check who is asking; these functions decide. The only ways a person becomes a
resident of a unit are a valid invitation code, a join request approved by staff of the unit's
office, or the office registering them (``move_in``).
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access
from portal.properties.models import Community, Company, Office, Unit

from .models import Invitation, JoinRequest, ResidentMembership, ResidentRole, StaffMembership, StaffRole
from .phones import normalize_phone

# No 0/O, 1/I/L: codes are read aloud at the front desk and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

INVITING_ROLES = (StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER)
JOIN_DECIDING_ROLES = (StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER)
RESIDENT_MANAGING_ROLES = (StaffRole.OFFICE_MANAGER,)  # front desk and housekeepers only view residents
STAFF_MANAGING_ROLES = (StaffRole.OFFICE_MANAGER,)


class PeopleError(ValidationError):
    """A refused change, with a message meant for the person who asked."""


class InvitationError(PeopleError):
    pass


class JoinRequestError(PeopleError):
    pass


class InvalidTransition(PeopleError):
    pass


class MembershipError(PeopleError):
    pass


class StaffRoleError(PeopleError):
    pass


def _office_of_unit(unit: Unit) -> Office:
    return unit.building.community.office


def _require_role_in_office(user, roles, office: Office) -> None:
    if not access.may_act_in_office(user, roles, office):
        raise PermissionDenied


# --- invitations -------------------------------------------------------------------------------


def normalize_code(raw: str) -> str:
    """Codes are case-insensitive and may be typed with spaces or dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    """``ABCD2345`` → ``ABCD-2345`` for print and reading aloud."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_invitation(issued_by, unit: Unit, role: str, note: str = "", valid_days: int = 14) -> Invitation:
    """Create a one-time code that lets one person join ``unit`` as ``role``."""
    _require_role_in_office(issued_by, INVITING_ROLES, _office_of_unit(unit))
    if role not in ResidentRole.values:
        raise InvitationError(_("Unknown resident role."), code="bad_role")
    if not 1 <= valid_days <= 90:
        raise InvitationError(_("An invitation is valid for 1 to 90 days."), code="bad_validity")
    expires_at = timezone.now() + datetime.timedelta(days=valid_days)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    code=_new_code(), unit=unit, role=role, issued_by=issued_by, note=note, expires_at=expires_at
                )
        except IntegrityError:
            continue  # a code collision: draw again
    raise RuntimeError("Could not draw an unused invitation code.")


def check_invitation(community: Community, code: str) -> Invitation:
    """The open invitation for ``code`` in ``community``, or an ``InvitationError`` saying why not."""
    code = normalize_code(code)
    invitation = (
        Invitation.objects.select_related("unit__building__community").filter(code=code).first() if code else None
    )
    if invitation is None:
        raise InvitationError(
            _("This invitation code does not exist. Check it against the slip from your management office."),
            code="unknown",
        )
    if invitation.unit.building.community_id != community.pk:
        raise InvitationError(
            _("This invitation code belongs to another community. Choose the community printed on your slip."),
            code="wrong_community",
        )
    if invitation.revoked_at is not None:
        raise InvitationError(
            _("This invitation code was withdrawn by the management office. Ask them for a new one."),
            code="revoked",
        )
    if invitation.used_at is not None:
        raise InvitationError(
            _("This invitation code has already been used. Each code works once; ask the office for a new one."),
            code="used",
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _("This invitation code has expired. Ask your management office for a new one."), code="expired"
        )
    return invitation


def redeem_invitation(user, community: Community, code: str) -> ResidentMembership:
    """Use ``code`` once to attach ``user`` to the invitation's unit.

    The claim is a conditional UPDATE on ``used_at IS NULL``, so of two concurrent redemptions
    exactly one wins; the loser gets "already used".
    """
    with transaction.atomic():
        invitation = check_invitation(community, code)
        if access.resident_memberships(user).filter(unit=invitation.unit).exists():
            raise InvitationError(_("You already belong to this unit."), code="already_member")
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now, used_by=user)
        if claimed != 1:
            raise InvitationError(
                _("This invitation code has already been used. Each code works once; ask the office for a new one."),
                code="used",
            )
        return _open_membership(
            user, invitation.unit, invitation.role, source=ResidentMembership.Source.INVITATION, start_date=None
        )


def revoke_invitation(by, invitation: Invitation) -> Invitation:
    _require_role_in_office(by, INVITING_ROLES, _office_of_unit(invitation.unit))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise InvitationError(_("This code has already been used; move the resident out instead."), code="used")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
    return invitation


# --- memberships ---------------------------------------------------------------------------------


def _open_membership(user, unit, role, *, source, start_date) -> ResidentMembership:
    try:
        with transaction.atomic():
            return ResidentMembership.objects.create(
                user=user,
                unit=unit,
                role=role,
                source=source,
                verified=True,
                start_date=start_date or timezone.localdate(),
            )
    except IntegrityError:
        raise MembershipError(_("This person already belongs to this unit."), code="already_member") from None


def move_in(
    *, user, unit: Unit, role: str, start_date: datetime.date | None = None, by=None, source=None
) -> ResidentMembership:
    """The office registers a resident directly (e.g. at the desk or from an import)."""
    if by is not None:
        _require_role_in_office(by, RESIDENT_MANAGING_ROLES, _office_of_unit(unit))
    if role not in ResidentRole.values:
        raise MembershipError(_("Unknown resident role."), code="bad_role")
    return _open_membership(
        user, unit, role, source=source or ResidentMembership.Source.OFFICE, start_date=start_date
    )


def move_out(membership: ResidentMembership, end_date: datetime.date | None = None, *, by=None) -> ResidentMembership:
    """End a membership on ``end_date``; the row stays as history."""
    if by is not None:
        _require_role_in_office(by, RESIDENT_MANAGING_ROLES, _office_of_unit(membership.unit))
    end_date = end_date or timezone.localdate()
    with transaction.atomic():
        membership = ResidentMembership.objects.select_for_update().get(pk=membership.pk)
        if membership.end_date is not None:
            raise MembershipError(_("This resident has already moved out."), code="already_out")
        if end_date < membership.start_date:
            raise MembershipError(
                _("The move-out date cannot be before the move-in date (%(date)s).")
                % {"date": membership.start_date.isoformat()},
                code="before_start",
            )
        membership.end_date = end_date
        membership.save(update_fields=["end_date"])
    return membership


# --- join requests --------------------------------------------------------------------------------


def find_unit(community: Community, building_id, number: str) -> Unit:
    """The unit a resident names by building and number, or a ``JoinRequestError``."""
    number = (number or "").strip()
    unit = (
        Unit.objects.select_related("building__community__office")
        .filter(building__community=community, building_id=building_id, number__iexact=number)
        .first()
    )
    if unit is None:
        raise JoinRequestError(
            _("There is no unit “%(number)s” in this building. Check the number on your door or contract.")
            % {"number": number},
            code="no_unit",
        )
    return unit


def request_to_join(user, unit: Unit, role: str, message: str = "") -> JoinRequest:
    if role not in ResidentRole.values:
        raise JoinRequestError(_("Unknown resident role."), code="bad_role")
    if access.resident_memberships(user).filter(unit=unit).exists():
        raise JoinRequestError(_("You already belong to this unit."), code="already_member")
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(user=user, unit=unit, role=role, message=message.strip())
    except IntegrityError:
        raise JoinRequestError(
            _("You have already asked to join this unit. The management office will answer soon."),
            code="duplicate",
        ) from None


def _decide(staff, join_request: JoinRequest, new_status: str, reason: str = "") -> JoinRequest:
    _require_role_in_office(staff, JOIN_DECIDING_ROLES, _office_of_unit(join_request.unit))
    join_request = JoinRequest.objects.select_for_update().select_related("unit").get(pk=join_request.pk)
    allowed = JoinRequest.TRANSITIONS.get(join_request.status, set())
    if new_status not in allowed:
        raise InvalidTransition(
            _("This request is already %(status)s and cannot be changed.")
            % {"status": join_request.get_status_display().lower()},
            code="invalid_transition",
        )
    join_request.status = new_status
    join_request.decided_by = staff
    join_request.decided_at = timezone.now()
    join_request.decision_reason = reason
    join_request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return join_request


def approve_join_request(staff, join_request: JoinRequest) -> ResidentMembership:
    with transaction.atomic():
        join_request = _decide(staff, join_request, JoinRequest.Status.APPROVED)
        return _open_membership(
            join_request.user,
            join_request.unit,
            join_request.role,
            source=ResidentMembership.Source.APPROVAL,
            start_date=None,
        )


def reject_join_request(staff, join_request: JoinRequest, reason: str) -> JoinRequest:
    reason = (reason or "").strip()
    if not reason:
        raise JoinRequestError(_("Tell the resident why the request is rejected."), code="reason_required")
    with transaction.atomic():
        return _decide(staff, join_request, JoinRequest.Status.REJECTED, reason)


# --- people and staff roles -------------------------------------------------------------------


def create_person(
    *,
    email: str | None = None,
    phone: str | None = None,
    full_name: str = "",
    password: str | None = None,
    verified: bool = True,
    **extra,
):
    """Create a user whose email (and phone) count as verified, so they can log in straight away.

    For people registered by the office, imports and the demo seed; residents who sign up
    themselves verify through allauth instead.
    """
    from allauth.account.models import EmailAddress

    User = get_user_model()
    email = (email or "").strip().lower() or None  # as allauth stores addresses
    phone = normalize_phone(phone) if phone else None
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, phone=phone, password=password, full_name=full_name, **extra
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if phone and verified:
            user.phone_verified = True
            user.save(update_fields=["phone_verified"])
        if user.email:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def _forget_access_cache(user) -> None:
    user.__dict__.pop("_linli_access_cache", None)


def _require_may_manage_staff(by, *, company: Company, role: str, office: Office | None) -> None:
    if access.is_headquarters(by) and (
        getattr(by, "is_superuser", False) or company.pk in access.headquarters_company_ids(by)
    ):
        return
    if role == StaffRole.HEADQUARTERS or office is None:
        raise PermissionDenied
    _require_role_in_office(by, STAFF_MANAGING_ROLES, office)


def add_staff_role(user, *, company: Company, role: str, office: Office | None = None, by=None) -> StaffMembership:
    """Give ``user`` a staff role (in ``office``, or company-wide for headquarters)."""
    from .roles import sync_staff_groups

    if role not in StaffRole.values:
        raise StaffRoleError(_("Unknown staff role."), code="bad_role")
    if role == StaffRole.HEADQUARTERS:
        office = None
    elif office is None:
        raise StaffRoleError(_("Choose the office this role works in."), code="office_required")
    elif office.region.company_id != company.pk:
        raise StaffRoleError(_("This office belongs to another company."), code="wrong_company")
    if by is not None:
        _require_may_manage_staff(by, company=company, role=role, office=office)
    try:
        with transaction.atomic():
            membership = StaffMembership.objects.create(user=user, company=company, office=office, role=role)
    except IntegrityError:
        raise StaffRoleError(_("This person already has this role here."), code="duplicate") from None
    _forget_access_cache(user)
    sync_staff_groups(user)
    return membership


def end_staff_role(membership: StaffMembership, end_date: datetime.date | None = None, *, by=None) -> StaffMembership:
    from .roles import sync_staff_groups

    if by is not None:
        _require_may_manage_staff(by, company=membership.company, role=membership.role, office=membership.office)
        if by.pk == membership.user_id and not access.is_headquarters(by):
            raise StaffRoleError(_("You cannot end your own role; ask headquarters."), code="own_role")
    end_date = end_date or timezone.localdate()
    with transaction.atomic():
        membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
        if membership.end_date is not None:
            raise StaffRoleError(_("This role has already ended."), code="already_ended")
        if end_date < membership.start_date:
            raise StaffRoleError(_("A role cannot end before it started."), code="before_start")
        if end_date > timezone.localdate():
            # Groups are synced now, so a role can only end today or earlier.
            raise StaffRoleError(_("A role can end today or on an earlier date, not in the future."), code="future")
        membership.end_date = end_date
        membership.save(update_fields=["end_date"])
    _forget_access_cache(membership.user)
    sync_staff_groups(membership.user)
    return membership
