"""Who reads which notice.

A notice addresses the residents of one community, or only those of the buildings it names.
Residents see the current (live, unexpired) notices of their active households; staff see every
notice of their offices. Everyone else sees none.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from portal import access

from .models import NoticePage


def _audience(user) -> Q:
    """Notices addressed to one of the user's active households."""
    memberships = access.resident_memberships(user)
    targets = NoticePage.buildings.through.objects.filter(noticepage_id=OuterRef("pk"))
    return Q(community_id__in=memberships.values("unit__building__community_id")) & (
        ~Exists(targets) | Exists(targets.filter(building_id__in=memberships.values("unit__building_id")))
    )


def _current(queryset: QuerySet) -> QuerySet:
    now = timezone.now()
    return queryset.live().filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _for_listing(queryset: QuerySet) -> QuerySet:
    return (
        queryset.select_related("community")
        .prefetch_related("buildings")
        .order_by("-pinned", "-first_published_at", "-pk")
    )


def current_notices_for(user) -> QuerySet[NoticePage]:
    """Live, unexpired notices for the user's households: pinned first, then newest."""
    if not getattr(user, "is_authenticated", False):
        return NoticePage.objects.none()
    return _for_listing(_current(NoticePage.objects.filter(_audience(user))))


def visible_notices(user) -> QuerySet[NoticePage]:
    """Current notices for the user's households plus, for staff, those of their offices."""
    if not getattr(user, "is_authenticated", False):
        return NoticePage.objects.none()
    if not access.is_staff_member(user):
        return current_notices_for(user)
    office_ids = access.staff_office_ids(user)
    if office_ids is None:  # superuser: every office
        return _for_listing(_current(NoticePage.objects.all()))
    return _for_listing(_current(NoticePage.objects.filter(Q(community__office_id__in=office_ids) | _audience(user))))


def can_view(user, notice: NoticePage) -> bool:
    """Residents addressed by the notice (expired or not) and staff of its office."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_edit(user, notice):
        return True
    return NoticePage.objects.filter(pk=notice.pk).filter(_audience(user)).exists()


def can_edit(user, notice: NoticePage) -> bool:
    """Only staff of the notice's office (headquarters: of any office of their company)."""
    if not access.is_staff_member(user) or notice.community_id is None:
        return False
    return access.can_staff_access_office(user, notice.community.office_id)
