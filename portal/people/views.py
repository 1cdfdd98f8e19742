"""Resident pages: add a household with a code, or ask the office to join a unit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import access
from portal.properties.models import Building

from .forms import JoinRequestForm, RedeemCodeForm
from .services import InvitationError, JoinRequestError, redeem_invitation, request_to_join


def _join_page(request, *, code_form=None, request_form=None, status=200):
    context = {
        "code_form": code_form or RedeemCodeForm(prefix="code"),
        "request_form": request_form or JoinRequestForm(prefix="req"),
        "memberships": access.resident_memberships(request.user).select_related("unit__building__community"),
        "join_requests": request.user.join_requests.select_related("unit__building__community")[:10],
    }
    return render(request, "people/join.html", context, status=status)


@login_required
@require_GET
def join(request):
    # Without JavaScript, "Show buildings" reloads the page with the chosen community.
    community = request.GET.get("req-community")
    return _join_page(request, request_form=JoinRequestForm(prefix="req", initial={"community": community}))


@login_required
@require_POST
def redeem_code(request):
    form = RedeemCodeForm(request.POST, prefix="code")
    if form.is_valid():
        try:
            membership = redeem_invitation(request.user, form.cleaned_data["community"], form.cleaned_data["code"])
        except InvitationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("Welcome! You now belong to %(unit)s.") % {"unit": membership.unit})
            return redirect("resident_home")
    return _join_page(request, code_form=form, status=400)


@login_required
@require_POST
def file_join_request(request):
    form = JoinRequestForm(request.POST, prefix="req")
    if form.is_valid():
        data = form.cleaned_data
        try:
            request_to_join(request.user, data["unit"], data["role"], data["message"])
        except JoinRequestError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request to join %(unit)s was sent. The management office will check it and answer here.")
                % {"unit": data["unit"]},
            )
            return redirect("join")
    return _join_page(request, request_form=form, status=400)


@login_required
@require_GET
def building_options(request):
    """The <option>s of one community's buildings (htmx swaps them into the building select)."""
    try:
        community_id = int(request.GET.get("req-community") or request.GET.get("community") or 0)
    except ValueError:
        community_id = 0
    buildings = Building.objects.filter(community_id=community_id).order_by("name") if community_id else []
    return render(request, "people/_building_options.html", {"buildings": buildings})
