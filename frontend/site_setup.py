"""Idempotent set-up of the public site tree: home page as the default site root, news, notices."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from .models import HomePage, NewsIndexPage, NoticeIndexPage


@transaction.atomic
def ensure_site() -> HomePage:
    """Make a HomePage the root of the default site (replacing Wagtail's welcome page) with its sections.

    Safe to call any number of times; never touches pages an editor created.
    """
    home = HomePage.objects.first()
    if home is None:
        home = _create_home()
    _ensure_default_site(home)
    if not NewsIndexPage.objects.child_of(home).exists():
        _publish(home.add_child(instance=NewsIndexPage(title=_("News"), slug="news")))
    if not NoticeIndexPage.objects.child_of(home).exists():
        _publish(home.add_child(instance=NoticeIndexPage(title=_("Notices"), slug="notices")))
    # Office roles get their page permissions on the sections, which may only now exist.
    from portal.people.roles import ensure_role_groups

    ensure_role_groups()
    return home


def _create_home() -> HomePage:
    root = Page.get_first_root_node()
    # Wagtail's initial migration adds a plain "Welcome to your new Wagtail site!" page.
    welcome_pages = [p for p in root.get_children() if p.specific_class is Page]
    for welcome in welcome_pages:
        Site.objects.filter(root_page=welcome).update(root_page=root)
        welcome.delete()
    slug = "home" if not root.get_children().filter(slug="home").exists() else "linli-home"
    home = root.add_child(instance=HomePage(title=settings.WAGTAIL_SITE_NAME, slug=slug))
    _publish(home)
    return home


def _ensure_default_site(home: HomePage) -> None:
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=settings.WAGTAIL_SITE_NAME
        )
    elif site.root_page_id != home.pk or not site.site_name:
        site.root_page = home
        site.site_name = site.site_name or settings.WAGTAIL_SITE_NAME
        site.save()


def _publish(page: Page) -> None:
    page.save_revision(log_action=False).publish(log_action=False)
