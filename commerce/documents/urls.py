from django.urls import path

from . import resident_views

urlpatterns = [
    path("my/payments/<int:pk>/receipt.pdf", resident_views.my_receipt_pdf, name="my_receipt_pdf"),
    path("my/bills/notice/", resident_views.my_notice, name="my_notice"),
    path("my/bills/notice.pdf", resident_views.my_notice_pdf, name="my_notice_pdf"),
]
