"""The role panels of the back-office home and the job-status endpoint of the progress bar."""

from django.urls import path
from wagtail import hooks

from portal import access

from . import views


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    from .panels import panels_for

    if access.is_staff_member(request.user):
        panels.extend(panels_for(request.user))


@hooks.register("register_admin_urls")
def register_progress_url():
    return [path("jobs/<slug:kind>/<int:pk>/status/", views.job_status, name="dashboards_progress")]
