"""Resident pages: add a household with a code, or ask the office to join a unit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import access, ratelimit
from portal.properties.models import Building

from .forms import GUESSED_WRONG, JoinRequestForm, ProfileForm, RedeemCodeForm, too_many_codes
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
    keys = ratelimit.request_keys(request)
    if ratelimit.INVITATION_CODE.blocked(keys):
        form.add_error(None, too_many_codes())
        return _join_page(request, code_form=form, status=429)
    if form.is_valid():
        try:
            membership = redeem_invitation(request.user, form.cleaned_data["community"], form.cleaned_data["code"])
        except InvitationError as error:
            form.add_error("code", error)
            if error.code in GUESSED_WRONG:
                ratelimit.INVITATION_CODE.failed(keys)
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


@login_required
def profile(request):
    """The person's own details: name, language and (optional) date of birth for birthday greetings."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
        return render(request, "people/profile.html", {"form": form}, status=400)
    return render(request, "people/profile.html", {"form": form})
