from django.urls import path

from . import views

urlpatterns = [
    path("my/", views.resident_home, name="resident_home"),
]
