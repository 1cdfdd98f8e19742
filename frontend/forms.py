"""Back-office edit forms of news and notices: editors only pick communities of their own offices."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from portal import access
from portal.properties.models import Building, Community


class CommunityScopedPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "community" in self.fields:
            communities = Community.objects.select_related("office").order_by("name")
            self.fields["community"].queryset = self._scoped(communities)
        if "buildings" in self.fields:
            buildings = Building.objects.select_related("community").order_by("community__name", "name")
            self.fields["buildings"].queryset = self._scoped(buildings)
            self.fields["buildings"].label_from_instance = lambda b: f"{b.community.name} · {b.name}"

    def _scoped(self, queryset):
        if self.for_user is None:
            return queryset.none()
        return access.scope_to_offices(self.for_user, queryset)


class NoticePageForm(CommunityScopedPageForm):
    def clean(self):
        cleaned = super().clean()
        community = cleaned.get("community")
        buildings = cleaned.get("buildings") or []
        if community is not None and any(b.community_id != community.pk for b in buildings):
            self.add_error("buildings", _("Only tick buildings of the chosen community."))
        return cleaned


class NewsPageForm(CommunityScopedPageForm):
    def clean(self):
        cleaned = super().clean()
        company_wide = "community" in self.fields and cleaned.get("community") is None
        if company_wide and not access.is_headquarters(self.for_user):
            self.add_error("community", _("Choose a community: only headquarters publish news for every community."))
        return cleaned
