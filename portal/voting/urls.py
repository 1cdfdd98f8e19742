from django.urls import path

from . import views

app_name = "voting"

urlpatterns = [
    path("votes/", views.index, name="index"),
    path("votes/verify/", views.verify_receipt, name="verify"),
    path("votes/<int:pk>/", views.meeting_detail, name="meeting"),
    path("votes/<int:pk>/vote/<int:party_pk>/", views.vote, name="vote"),
    path("votes/<int:pk>/proxy/<int:party_pk>/", views.appoint_proxy, name="proxy"),
    path("votes/<int:pk>/results/", views.results, name="results"),
    path("votes/surveys/<int:pk>/", views.survey, name="survey"),
]
