"""Two small staff/resident write views for the audit tests, mounted in front of the real URLs.

They stand for any screen that writes: the audit trail must not depend on which one it is.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from portal import access
from portal.properties.models import Unit
from portal.urls import urlpatterns as portal_urlpatterns


@login_required
@require_POST
def set_floor_area(request, pk):
    unit = access.get_for_staff_or_404(request.user, Unit.objects.all(), pk=pk)
    unit.floor_area = Decimal(request.POST["floor_area"])
    unit.save()
    return HttpResponse("saved")


@login_required
@require_POST
def rename_me(request):
    request.user.full_name = request.POST["full_name"]
    request.user.save()
    return HttpResponse("saved")


urlpatterns = [
    path("audit-test/units/<int:pk>/floor-area/", set_floor_area),
    path("audit-test/me/", rename_me),
    *portal_urlpatterns,
]
