from django.urls import path

from . import firm_views, views

app_name = "services_catalog"

urlpatterns = [
    path("services/", views.menu, name="menu"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/<int:pk>/price/", views.price_preview, name="price"),
    path("services/orders/", views.my_orders, name="orders"),
    path("services/orders/<int:pk>/", views.order_detail, name="order"),
    path("services/jobs/", views.jobs, name="jobs"),
    path("services/jobs/<int:pk>/", views.job_detail, name="job"),
    # An outside firm's service orders, inside its merchant dashboard.
    path("market/merchant/<int:mid>/services/", firm_views.firm_orders, name="firm_orders"),
    path("market/merchant/<int:mid>/services/<int:pk>/", firm_views.firm_order, name="firm_order"),
]
