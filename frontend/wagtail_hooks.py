"""Back-office guards: editors only touch news and notices of the communities of their offices."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail import hooks

from portal import access
from portal.properties.models import Community

from . import news, notices
from .models import NewsPage, NoticePage

SCOPED_PAGE_TYPES = (NoticePage, NewsPage)


def _may_edit(user, obj) -> bool:
    page = getattr(obj, "specific_deferred", obj)
    if isinstance(page, NoticePage):
        return notices.can_edit(user, page)
    if isinstance(page, NewsPage):
        return news.can_edit(user, page)
    return True


def _refused(request, reason=None):
    # A real 403 (raising PermissionDenied would make Wagtail redirect to the dashboard instead).
    reason = reason or _("This page belongs to a community outside your offices, so you cannot change it.")
    return TemplateResponse(request, "frontend/admin/refused.html", {"reason": reason}, status=403)


def _refuse_outside_offices(request, page, *args):
    if not _may_edit(request.user, page):
        return _refused(request)
    return None


GUARDED_HOOKS = (
    "before_edit_page",
    "before_delete_page",
    "before_copy_page",
    "before_move_page",
    "before_unpublish_page",
)
for _hook in GUARDED_HOOKS:
    hooks.register(_hook, _refuse_outside_offices)


@hooks.register("before_create_page")
def refuse_creating_outside_offices(request, parent_page, page_class):
    if not issubclass(page_class, SCOPED_PAGE_TYPES):
        return None
    if not access.is_staff_member(request.user):
        return _refused(request, _("Only staff of a management office can write news and notices."))
    # The form offers only the editor's communities; this refuses a crafted submission outright.
    community_id = request.POST.get("community", "") if request.method == "POST" else ""
    if community_id.isdigit():
        community = Community.objects.filter(pk=community_id).first()
        if community is not None and not access.can_staff_access_office(request.user, community.office_id):
            return _refused(request)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_actions_outside_offices(request, action_type, objects, action_class_instance):
    if not all(_may_edit(request.user, obj) for obj in objects):
        return _refused(request)
    return None


@hooks.register("construct_explorer_page_queryset")
def hide_pages_of_other_offices(parent_page, pages, request):
    office_ids = access.staff_office_ids(request.user)
    if office_ids is None:
        return pages
    hidden = NoticePage.objects.exclude(community__office_id__in=office_ids).values("pk")
    hidden_news = NewsPage.objects.filter(community__isnull=False).exclude(community__office_id__in=office_ids)
    return pages.exclude(pk__in=hidden).exclude(pk__in=hidden_news.values("pk"))
