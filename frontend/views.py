from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from portal import access


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def resident_home(request):
    units = access.resident_units(request.user)
    return render(request, "frontend/resident_home.html", {"units": units})
