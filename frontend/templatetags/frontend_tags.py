"""Template helpers of the site shell (loaded by base.html and the resident pages)."""

from django import template
from django.contrib.contenttypes.models import ContentType
from django.utils.safestring import mark_safe
from wagtail.models import Page

from portal import access

register = template.Library()


@register.simple_tag(takes_context=True)
def site_sections(context) -> dict:
    """URLs of the news and notice sections, looked up once per request (empty when not set up)."""
    from frontend.models import NewsIndexPage, NoticeIndexPage

    request = context.get("request")
    cached = getattr(request, "_frontend_sections", None)
    if cached is not None:
        return cached
    types = {
        ContentType.objects.get_for_model(NewsIndexPage).pk: "news",
        ContentType.objects.get_for_model(NoticeIndexPage).pk: "notices",
    }
    sections = {}
    for page in Page.objects.live().filter(content_type_id__in=types).order_by("path"):
        sections.setdefault(types[page.content_type_id], page.get_url(request))
    if request is not None:
        request._frontend_sections = sections
    return sections


@register.filter
def is_staff_member(user) -> bool:
    return access.is_staff_member(user)


@register.simple_tag(takes_context=True)
def current_if(context, url, exact=False):
    """``aria-current="page"`` on the navigation link of the section being shown."""
    request = context.get("request")
    if request is None or not url:
        return ""
    path = request.path
    if path == url or (not exact and url != "/" and path.startswith(url)):
        return mark_safe('aria-current="page"')  # noqa: S308 - constant markup
    return ""


@register.filter
def tel_href(phone: str) -> str:
    return "tel:" + "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")


@register.filter
def phone_display(phone: str) -> str:
    """``+8613812345678`` → ``138 1234 5678``; other numbers are shown as stored."""
    if phone and phone.startswith("+86") and len(phone) == 14:
        digits = phone[3:]
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return phone or ""


@register.filter
def initials(name) -> str:
    """One or two letters for an avatar: the family name for Chinese names, initials otherwise."""
    text = str(name or "").strip()
    if not text:
        return "?"
    if not text.isascii():
        return text[0]
    parts = text.split()
    return "".join(p[0] for p in parts[:2]).upper()


@register.simple_tag(takes_context=True)
def resident_shortcuts(context, nav_only=False) -> list:
    """The apps' registered entries (``frontend/shortcuts.py``) this user can use."""
    from frontend import shortcuts

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(request, "_frontend_shortcuts", None)
    if cached is None:
        # "My home" has the memberships in its context already; other pages ask once.
        memberships = context.get("memberships")
        has_household = bool(memberships) if memberships is not None else access.resident_memberships(user).exists()
        cached = shortcuts.for_user(has_household=has_household)
        request._frontend_shortcuts = cached
    return [s for s in cached if s.in_nav] if nav_only else cached
