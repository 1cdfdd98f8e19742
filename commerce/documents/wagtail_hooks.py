"""Back-office entries for documents: the payment-notice menu item, admin URLs, and the unit lookup panel."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from commerce.ledger.models import Account
from portal.access import may_act_in_office

from . import staff_views


@hooks.register("register_admin_urls")
def register_document_urls():
    return [
        path("documents/receipts/<int:pk>/pdf/", staff_views.ReceiptPdfView.as_view(), name="documents_receipt_pdf"),
        path("documents/notices/", staff_views.BatchNoticeView.as_view(), name="documents_notices"),
        path(
            "documents/notices/batches/<int:pk>/",
            staff_views.BatchDetailView.as_view(),
            name="documents_notice_batch",
        ),
        path(
            "documents/notices/batches/<int:pk>/pdf/",
            staff_views.BatchFileView.as_view(),
            name="documents_notice_batch_file",
        ),
        path("documents/notices/unit/<int:pk>/", staff_views.UnitNoticeView.as_view(), name="documents_unit_notice"),
        path(
            "documents/notices/unit/<int:pk>/pdf/",
            staff_views.UnitNoticePdfView.as_view(),
            name="documents_unit_notice_pdf",
        ),
    ]


class NoticeMenuItem(MenuItem):
    def is_shown(self, request):
        return staff_views.may_print_documents(request.user)


@hooks.register("register_admin_menu_item")
def register_notice_menu_item():
    return NoticeMenuItem(_("Payment notices"), reverse("documents_notices"), icon_name="doc-full", order=175)


class NoticeLinkPanel(Component):
    """On the unit lookup (联查): print the household's payment notice."""

    template_name = "documents/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        return {
            "html_url": reverse("documents_unit_notice", args=[self.unit.pk]),
            "pdf_url": reverse("documents_unit_notice_pdf", args=[self.unit.pk]),
        }


@hooks.register("properties_unit_lookup_panels")
def notice_panel(request, unit):
    # Like the other billing panels: nothing before billing exists, so the lookup keeps its own note.
    if not Account.objects.filter(unit=unit).exists():
        return None
    office = unit.building.community.office
    return NoticeLinkPanel(unit) if may_act_in_office(request.user, staff_views.DOCUMENT_ROLES, office) else None
