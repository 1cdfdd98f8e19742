from django.urls import path

from . import merchant_views as m
from . import views as v

urlpatterns = [
    path("market/", v.storefront, name="market_home"),
    path("market/p/<int:pk>/", v.product_detail, name="market_product"),
    path("market/cart/", v.cart, name="market_cart"),
    path("market/cart/add/", v.add_to_cart, name="market_cart_add"),
    path("market/checkout/", v.checkout, name="market_checkout"),
    path("market/paid/<int:pk>/", v.payment_done, name="market_payment_done"),
    path("market/orders/", v.orders, name="market_orders"),
    path("market/orders/<int:pk>/", v.order_detail, name="market_order"),
    path("market/orders/<int:pk>/<slug:action>/", v.order_action, name="market_order_action"),
    path("market/group-buys/<int:pk>/", v.group_buy, name="market_group_buy"),
    path("market/group-buys/<int:pk>/join/", v.join_group_buy, name="market_group_buy_join"),
    path("market/merchant/", m.merchant_home, name="market_merchant_home"),
    path("market/merchant/apply/", m.apply, name="market_apply"),
    path("market/merchant/<int:mid>/", m.dashboard, name="market_merchant"),
    path("market/merchant/<int:mid>/products/", m.products, name="market_merchant_products"),
    path("market/merchant/<int:mid>/products/new/", m.product_edit, name="market_merchant_product_new"),
    path("market/merchant/<int:mid>/products/<int:pk>/", m.product_edit, name="market_merchant_product"),
    path("market/merchant/<int:mid>/orders/", m.orders, name="market_merchant_orders"),
    path("market/merchant/<int:mid>/orders/<int:pk>/", m.order_detail, name="market_merchant_order"),
    path(
        "market/merchant/<int:mid>/orders/<int:pk>/<slug:action>/",
        m.order_action,
        name="market_merchant_order_action",
    ),
    path("market/merchant/<int:mid>/group-buys/", m.group_buys, name="market_merchant_group_buys"),
    path("market/merchant/<int:mid>/settlements/", m.settlements, name="market_merchant_settlements"),
    path("market/merchant/<int:mid>/reviews/", m.reviews, name="market_merchant_reviews"),
]
