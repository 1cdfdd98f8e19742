"""The notification centre, preferences, and Twilio's signed callbacks."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from . import events, services
from .models import Channel, Notification

PER_PAGE = 20


@login_required
def centre(request):
    notifications = Notification.objects.filter(recipient=request.user)
    only_unread = request.GET.get("show") == "unread"
    if only_unread:
        notifications = notifications.unread()
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/centre.html",
        {"page": page, "only_unread": only_unread, "unread": services.unread_count_for(request.user.pk)},
    )


@login_required
@require_POST
def read(request, pk: int):
    """Mark one notification read, then follow its link (or go back to the centre)."""
    try:
        notification = services.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    target = notification.url if request.POST.get("follow") and notification.url else ""
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("notifications:centre")
    return redirect(target)


@login_required
@require_POST
def read_all(request):
    count = services.mark_all_read(request.user)
    messages.success(request, _("Marked %(count)s notifications as read.") % {"count": count})
    return redirect("notifications:centre")


def _parse_time(text: str) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None


@login_required
def preferences(request):
    errors = []
    if request.method == "POST":
        choices = {}
        for event_type in events.all_events():
            for channel in services.OPTIONAL_CHANNELS:
                choices[(event_type.key, str(channel))] = f"{event_type.key}:{channel}" in request.POST
        quiet = None
        if request.POST.get("quiet_on"):
            start, end = (
                _parse_time(request.POST.get("quiet_start", "")),
                _parse_time(request.POST.get("quiet_end", "")),
            )
            if start is None or end is None:
                errors.append(_("Quiet hours need a start and an end time, such as 22:00 and 07:30."))
            elif start == end:
                errors.append(_("Quiet hours must start and end at different times."))
            quiet = (start, end)
        if not errors:
            services.save_preferences(request.user, choices, quiet)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    hours = services.quiet_hours_of(request.user)
    start, end = hours or services.default_quiet_hours()
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": services.preference_table(request.user),
            "quiet_on": hours is not None,
            "quiet_start": start.strftime("%H:%M"),
            "quiet_end": end.strftime("%H:%M"),
            "errors": errors,
            "has_phone": bool(request.user.phone),
            "has_email": bool(request.user.email),
            "channels": Channel,
        },
    )


# --- Twilio callbacks ------------------------------------------------------------------------------


def _twilio_signed(request) -> bool:
    """Validate ``X-Twilio-Signature`` against the URL Twilio was given (``SITE_URL`` + path)."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def twilio_status(request):
    if not _twilio_signed(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    services.record_provider_status(
        request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", ""), request.POST.get("ErrorCode", "")
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request):
    if not _twilio_signed(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    services.handle_inbound_sms(request.POST.get("From", ""), request.POST.get("Body", ""))
    # No reply: Twilio's own opt-out handling answers STOP and START.
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")
