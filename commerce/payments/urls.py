from django.urls import path

from . import resident_views, webhooks
from .gateways import dummy

urlpatterns = [
    path("my/bills/pay/", resident_views.pay_bills, name="pay_bills"),
    path("my/payments/<int:pk>/", resident_views.payment_result, name="payment_result"),
    path("my/payments/<int:pk>/receipt/", resident_views.my_receipt, name="my_receipt"),
    path("pay/test-gateway/<int:pk>/", dummy.dummy_gateway_page, name="dummy_gateway"),
    path("payments/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
