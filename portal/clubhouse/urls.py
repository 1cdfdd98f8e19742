from django.urls import path

from . import views

app_name = "clubhouse"

urlpatterns = [
    path("clubhouse/", views.home, name="home"),
    path("clubhouse/facilities/<int:pk>/", views.facility, name="facility"),
    path("clubhouse/facilities/<int:pk>/book/", views.book, name="book"),
    path("clubhouse/bookings/<int:pk>/", views.booking, name="booking"),
    path("clubhouse/bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("clubhouse/bookings/<int:pk>/pay/", views.pay, name="pay"),
    path("clubhouse/waitlist/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("clubhouse/classes/", views.classes, name="classes"),
    path("clubhouse/classes/<int:pk>/", views.training_class, name="class"),
    path("clubhouse/enrolments/<int:pk>/cancel/", views.cancel_enrolment, name="cancel_enrolment"),
    path("clubhouse/class-waitlist/<int:pk>/withdraw/", views.withdraw_class_waitlist, name="withdraw_class_waitlist"),
]
