from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from frontend import views as frontend_views

urlpatterns = [
    path("healthz", frontend_views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("backoffice/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("frontend.urls")),
    path("", include("portal.people.urls")),
    path("", include("commerce.billing.urls")),
    path("", include("commerce.payments.urls")),
    path("", include("commerce.documents.urls")),
    path("", include("portal.workorders.urls")),
    path("", include("portal.clubhouse.urls")),
    path("", include("portal.voting.urls")),
    path("", include("services_catalog.urls")),
    path("", include("commerce.marketplace.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
