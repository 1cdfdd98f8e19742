"""Wagtail page types of the public site: home, news, notices to residents, plain content pages.

Who may read or edit a notice or a news item is decided in ``frontend.notices`` and
``frontend.news``; the pages only call them.
"""

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page
from wagtail.search import index

from .forms import NewsPageForm, NoticePageForm

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HomePage(Page):
    """The site root. Visitors see public news; signed-in people are taken to their own home."""

    intro = RichTextField(
        _("welcome text"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("Shown to visitors who are not signed in."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["frontend.NewsIndexPage", "frontend.NoticeIndexPage", "frontend.ContentPage"]
    max_count = 1
    template = "frontend/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def serve(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("resident_home")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from . import news

        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = news.public_news()[:6]
        return context


class NewsIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["frontend.HomePage"]
    subpage_types = ["frontend.NewsPage"]
    max_count = 1
    template = "frontend/news_index_page.html"
    page_size = 12

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        from . import news

        context = super().get_context(request, *args, **kwargs)
        items = news.visible_news(request.user).child_of(self)
        context["page_obj"] = Paginator(items, self.page_size).get_page(request.GET.get("page"))
        return context


class NewsPage(Page):
    """A news item: for every community of the company, or for one community only."""

    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.CharField(_("summary"), max_length=300, blank=True, help_text=_("One or two sentences for lists."))
    community = models.ForeignKey(
        "properties.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="news_pages",
        verbose_name=_("community"),
        help_text=_("Leave empty to publish for every community (headquarters only)."),
    )
    body = StreamField(
        [
            ("paragraph", blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Paragraph"))),
            ("image", ImageBlock(label=_("Image"))),
            ("quote", blocks.BlockQuoteBlock(label=_("Quote"))),
        ],
        blank=True,
        verbose_name=_("body"),
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("community")], heading=_("Where and when")),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["frontend.NewsIndexPage"]
    subpage_types: list[str] = []
    base_form_class = NewsPageForm
    template = "frontend/news_page.html"

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    def serve(self, request, *args, **kwargs):
        from . import news

        if not news.can_view(request.user, self):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404
        return super().serve(request, *args, **kwargs)


class NoticeIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["frontend.HomePage"]
    subpage_types = ["frontend.NoticePage"]
    max_count = 1
    template = "frontend/notice_index_page.html"

    class Meta:
        verbose_name = _("notice board")

    def get_context(self, request, *args, **kwargs):
        from . import notices

        context = super().get_context(request, *args, **kwargs)
        context["notices"] = notices.visible_notices(request.user).child_of(self)
        return context


class NoticePage(Page):
    """A notice to the residents of one community, or of some of its buildings."""

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        IMPORTANT = "important", _("Important")
        URGENT = "urgent", _("Urgent")

    community = models.ForeignKey(
        "properties.Community", on_delete=models.PROTECT, related_name="notices", verbose_name=_("community")
    )
    buildings = ParentalManyToManyField(
        "properties.Building",
        blank=True,
        related_name="notices",
        verbose_name=_("buildings"),
        help_text=_("Leave all unticked to address the whole community."),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    pinned = models.BooleanField(_("pinned"), default=False, help_text=_("Pinned notices are listed first."))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("After this moment the notice is no longer listed.")
    )
    body = RichTextField(_("text"), features=RICH_TEXT_FEATURES)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("community"), FieldPanel("buildings", widget=forms.CheckboxSelectMultiple)],
            heading=_("Who it is for"),
        ),
        FieldRowPanel([FieldPanel("urgency"), FieldPanel("pinned"), FieldPanel("expires_at")], heading=_("Display")),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["frontend.NoticeIndexPage"]
    subpage_types: list[str] = []
    base_form_class = NoticePageForm
    template = "frontend/notice_page.html"

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["community", "expires_at"])]

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def serve(self, request, *args, **kwargs):
        from . import notices

        if not notices.can_view(request.user, self):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404
        return super().serve(request, *args, **kwargs)


class ContentPage(Page):
    """A plain page of text: about us, office hours, house rules."""

    body = RichTextField(_("text"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["frontend.HomePage", "frontend.ContentPage"]
    template = "frontend/content_page.html"

    class Meta:
        verbose_name = _("content page")
