"""The JSON status of a long-running job, polled by the progress bar (``static/dashboards/progress.js``)."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from . import progress


@require_GET
def job_status(request, kind: str, pk: int):
    """404 for an unknown kind, a job of an office the user does not work in, or a kind not theirs."""
    jobs = progress.visible_jobs(request.user, kind)
    if jobs is None:
        raise Http404
    try:
        job = jobs.get(pk=pk)
    except jobs.model.DoesNotExist:
        raise Http404 from None
    return JsonResponse(progress.describe(kind, job))
