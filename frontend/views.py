from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from portal import access


def healthz(request):
    """Liveness by default; ``?deep=1`` also checks the database, cache and channel layer."""
    if request.GET.get("deep"):
        from portal.health import run_checks

        results = run_checks()
        healthy = all(v == "ok" for v in results.values())
        return JsonResponse(results, status=200 if healthy else 503)
    return HttpResponse("ok", content_type="text/plain")


@login_required
def resident_home(request):
    units = access.resident_units(request.user)
    return render(request, "frontend/resident_home.html", {"units": units})
