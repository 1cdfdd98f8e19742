from django.urls import path

from . import views

app_name = "workorders"

urlpatterns = [
    path("repairs/", views.index, name="index"),
    path("repairs/new/", views.new, name="new"),
    path("repairs/photos/<int:pk>/", views.photo, name="photo"),
    path("repairs/jobs/", views.jobs, name="jobs"),
    path("repairs/jobs/<slug:reference>/", views.job, name="job"),
    path("repairs/jobs/<slug:reference>/<slug:action>/", views.job_action, name="job_action"),
    path("repairs/<slug:reference>/", views.detail, name="detail"),
    path("repairs/<slug:reference>/<slug:action>/", views.resident_action, name="action"),
]
