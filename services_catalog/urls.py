from django.urls import path

from . import views

app_name = "services_catalog"

urlpatterns = [
    path("services/", views.menu, name="menu"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/<int:pk>/price/", views.price_preview, name="price"),
    path("services/orders/", views.my_orders, name="orders"),
    path("services/orders/<int:pk>/", views.order_detail, name="order"),
    path("services/jobs/", views.jobs, name="jobs"),
    path("services/jobs/<int:pk>/", views.job_detail, name="job"),
]
