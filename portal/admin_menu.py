"""A back-office menu entry that only points at a screen registered elsewhere (no URLs of its own)."""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.viewsets.base import ViewSet


class MenuLinkViewSet(ViewSet):
    """Set ``url_name`` (and ``query``, e.g. ``"?overdue=1"``) and the ``menu_item_class`` deciding who sees it."""

    url_name = ""
    query = ""

    @property
    def menu_url(self):
        return reverse(self.url_name) + self.query

    def get_urlpatterns(self):
        return []
