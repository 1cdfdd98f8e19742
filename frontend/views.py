from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from portal import access
from portal.people.models import JoinRequest

from .news import visible_news
from .notices import current_notices_for

NOTICES_ON_HOME = 8
NEWS_ON_HOME = 3


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
    """A resident's own page: their homes, their housekeeper, current notices and news."""
    user = request.user
    memberships = list(
        access.resident_memberships(user)
        .select_related("unit__building__community__office", "unit__grid__housekeeper")
        .order_by("unit__building__community__name", "unit__building__name", "unit__number")
    )
    pending_requests = list(
        JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).select_related(
            "unit__building__community"
        )
    )
    context = {
        "memberships": memberships,
        "pending_requests": pending_requests,
        "notices": list(current_notices_for(user)[:NOTICES_ON_HOME]) if memberships else [],
        "news_items": list(visible_news(user)[:NEWS_ON_HOME]),
        "is_staff_member": access.is_staff_member(user),
    }
    return render(request, "frontend/resident_home.html", context)
