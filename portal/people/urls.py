from django.urls import path

from . import views

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/code/", views.redeem_code, name="join_redeem_code"),
    path("join/request/", views.file_join_request, name="join_request"),
    path("join/buildings/", views.building_options, name="join_building_options"),
    path("my/profile/", views.profile, name="profile"),
]
