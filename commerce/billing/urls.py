from django.urls import path

from . import resident_views

urlpatterns = [
    path("my/bills/", resident_views.my_bills, name="my_bills"),
    path("my/bills/<int:pk>/", resident_views.my_bill, name="my_bill"),
]
