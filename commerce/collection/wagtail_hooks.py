"""The "Bank collection" back-office menu (batches, mandates) and the unit lookup's mandate panel."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from commerce.ledger.models import Account

from . import services, views
from .models import BankMandate


class BatchMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_see_batches(request.user)


class MandateMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_see_mandates(request.user)


class BatchViewSet(ViewSet):
    name = "collection_batches"
    url_prefix = "collection/batches"
    icon = "table"
    menu_label = _("Collection batches")
    menu_item_class = BatchMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.BatchIndexView.as_view(), name="index"),
            path("new/", views.NewBatchView.as_view(), name="new"),
            path("<int:pk>/", views.BatchDetailView.as_view(), name="detail"),
            path("<int:pk>/download/", views.BatchDownloadView.as_view(), name="download"),
        ]


class MandateViewSet(ViewSet):
    name = "collection_mandates"
    url_prefix = "collection/mandates"
    icon = "user"
    menu_label = _("Bank mandates")
    menu_item_class = MandateMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.MandateIndexView.as_view(), name="index"),
            path("add/", views.MandateEditView.as_view(), name="add"),
            path("<int:pk>/", views.MandateEditView.as_view(), name="edit"),
        ]


class CollectionMenu(ViewSetGroup):
    menu_label = _("Bank collection")
    menu_name = "collection"
    menu_icon = "table"
    menu_order = 176
    items = (BatchViewSet, MandateViewSet)


@hooks.register("register_admin_viewset")
def register_collection_viewsets():
    return CollectionMenu()


class UnitMandatePanel(Component):
    template_name = "collection/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        mandate = BankMandate.objects.filter(unit=self.unit, active=True).first()
        return {
            "mandate": mandate,
            "add_url": f"{reverse('collection_mandates:add')}?unit={self.unit.pk}",
            "edit_url": reverse("collection_mandates:edit", args=[mandate.pk]) if mandate else "",
        }


@hooks.register("properties_unit_lookup_panels")
def unit_mandate_panel(request, unit):
    # Like the other money panels: a unit with neither billing nor a mandate keeps the lookup's own note.
    if not Account.objects.filter(unit=unit).exists() and not BankMandate.objects.filter(unit=unit).exists():
        return None
    office = unit.building.community.office
    return UnitMandatePanel(unit) if services.may_manage_mandates(request.user, office) else None
