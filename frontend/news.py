"""Who reads which news item: company-wide news is public; community news is for its residents and staff."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal import access

from .models import NewsPage


def _ordered(queryset: QuerySet) -> QuerySet:
    return queryset.live().select_related("community").order_by("-date", "-first_published_at", "-pk")


def public_news() -> QuerySet[NewsPage]:
    """News for every community: what a visitor who is not signed in may read."""
    return _ordered(NewsPage.objects.filter(community__isnull=True))


def visible_news(user) -> QuerySet[NewsPage]:
    """Public news plus news of the communities the user lives in or, for staff, works for."""
    if not getattr(user, "is_authenticated", False):
        return public_news()
    communities = access.resident_memberships(user).values("unit__building__community_id")
    scope = Q(community__isnull=True) | Q(community_id__in=communities)
    if access.is_staff_member(user):
        office_ids = access.staff_office_ids(user)
        scope |= Q(community__isnull=False) if office_ids is None else Q(community__office_id__in=office_ids)
    return _ordered(NewsPage.objects.filter(scope))


def can_view(user, page: NewsPage) -> bool:
    if page.community_id is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if can_edit(user, page):
        return True
    return access.resident_memberships(user).filter(unit__building__community_id=page.community_id).exists()


def can_edit(user, page: NewsPage) -> bool:
    """Community news: staff of its office. News for every community: headquarters only."""
    if not access.is_staff_member(user):
        return False
    if page.community_id is None:
        return access.is_headquarters(user)
    return access.can_staff_access_office(user, page.community.office_id)
