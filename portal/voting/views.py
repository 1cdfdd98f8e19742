"""Resident pages of owners' meetings: the list, a meeting, the ballot, a proxy, results, receipt check.

A resident sees the meetings of the communities they live in; only the owners on a meeting's roll
(or their approved proxy) can vote. The receipt check is public and shows no name.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.access import can_staff_access_office, resident_memberships

from . import services, surveys
from .forms import BallotForm, ProxyForm
from .models import Ballot, Meeting, Proxy, RollParty, Survey, choice_label

VISIBLE = (Meeting.Status.ANNOUNCED, Meeting.Status.CLOSED, Meeting.Status.TALLIED, Meeting.Status.PUBLISHED)


def resident_meetings(user):
    """Meetings of the user's communities (any resident role), or on whose roll the user is."""
    communities = resident_memberships(user).values("unit__building__community")
    return (
        Meeting.objects.filter(status__in=VISIBLE)
        .filter(Q(community__in=communities) | Q(roll__owners=user) | Q(roll__proxies__proxy=user))
        .select_related("community")
        .distinct()
    )


def _meeting_or_404(user, pk) -> Meeting:
    try:
        return resident_meetings(user).get(pk=pk)
    except Meeting.DoesNotExist:
        meeting = Meeting.objects.filter(pk=pk, status__in=VISIBLE).select_related("community").first()
        if meeting and user.is_authenticated and can_staff_access_office(user, meeting.community.office_id):
            return meeting
        raise Http404 from None


@login_required
def index(request):
    meetings = list(resident_meetings(request.user).order_by("-opens_at"))
    survey_list = list(resident_surveys(request.user).order_by("-opens_at")[:20])
    return render(request, "voting/index.html", {"meetings": meetings, "surveys": survey_list})


def _party_rows(user, meeting):
    motions = list(meeting.motions.all())
    rows = []
    for party in services.voter_parties(user, meeting).prefetch_related("units__unit__building"):
        ballots = {b.motion_id: b for b in party.ballots.filter(motion__meeting=meeting)}
        rows.append(
            {
                "party": party,
                "ballots": [(m, ballots.get(m.pk)) for m in motions],
                "done": len(ballots) == len(motions),
                "any": bool(ballots),
                "is_owner": party.owners.filter(pk=user.pk).exists(),
                "proxy": party.proxies.exclude(status=Proxy.Status.REJECTED).select_related("proxy").first(),
            }
        )
    return rows


@login_required
def meeting_detail(request, pk):
    meeting = _meeting_or_404(request.user, pk)
    parties = _party_rows(request.user, meeting)
    return render(
        request,
        "voting/meeting.html",
        {
            "meeting": meeting,
            "motions": meeting.motions.all(),
            "parties": parties,
            "is_open": meeting.is_open(),
            "published": meeting.status == Meeting.Status.PUBLISHED,
            "roll_size": meeting.roll.count(),
        },
    )


def meeting_url(meeting) -> str:
    return reverse("voting:meeting", args=[meeting.pk])


def _party_or_404(user, meeting, party_pk) -> RollParty:
    try:
        return services.voter_parties(user, meeting).get(pk=party_pk)
    except RollParty.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, pk, party_pk):
    meeting = _meeting_or_404(request.user, pk)
    party = _party_or_404(request.user, meeting, party_pk)
    motions = list(meeting.motions.all())
    current = dict(party.ballots.filter(motion__meeting=meeting).values_list("motion_id", "choice"))
    locked = set(current) if not meeting.allow_change else set()
    kwargs = {"motions": motions, "current": current, "locked": locked}
    if request.method == "POST" and "send_code" in request.POST:
        if services.send_vote_code(request.user, meeting):
            messages.success(request, _("A code was sent to your phone. It is valid for 10 minutes."))
        else:
            messages.error(request, _("Your account has no phone number; use your password."))
        return redirect("voting:vote", pk=meeting.pk, party_pk=party.pk)
    if request.method == "POST":
        form = BallotForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                casts = services.cast_ballots(
                    request.user,
                    meeting,
                    party,
                    form.choices(),
                    password=form.cleaned_data["password"],
                    token=form.cleaned_data["token"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Your ballot is recorded on %(count)d motion(s). Keep your receipt codes to check the count.")
                    % {"count": len(casts)},
                )
                return redirect(meeting_url(meeting) + "#receipts")
        form.data = form.data.copy()
        form.data["token"] = services.confirmation_token(request.user, meeting)
        form.data["password"] = ""
    else:
        form = BallotForm(initial={"token": services.confirmation_token(request.user, meeting)}, **kwargs)
    return render(
        request,
        "voting/vote.html",
        {
            "meeting": meeting,
            "party": party,
            "form": form,
            "is_open": meeting.is_open(),
            "locked": locked,
            "can_text": bool(request.user.phone),
        },
        status=200 if request.method == "GET" or not form.errors else 422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appoint_proxy(request, pk, party_pk):
    meeting = _meeting_or_404(request.user, pk)
    party = _party_or_404(request.user, meeting, party_pk)
    form = ProxyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_proxy(request.user, party, form.cleaned_data["proxy"], form.cleaned_data["document"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your proxy is waiting for the office to check the written authorisation."))
            return redirect(meeting_url(meeting))
    return render(request, "voting/proxy.html", {"meeting": meeting, "party": party, "form": form})


@login_required
def results(request, pk):
    meeting = _meeting_or_404(request.user, pk)
    if meeting.status != Meeting.Status.PUBLISHED:
        raise Http404
    motions = []
    for motion in meeting.motions.select_related("result"):
        bulletin = [(receipt, choice_label(choice, motion)) for receipt, choice in services.public_bulletin(motion)]
        motions.append({"motion": motion, "result": motion.result.data, "bulletin": bulletin})
    voted = set(Ballot.objects.filter(motion__meeting=meeting).values_list("party_id", flat=True))
    roll = [(party, party.pk in voted) for party in meeting.roll.all()]
    return render(request, "voting/results.html", {"meeting": meeting, "motions": motions, "roll": roll})


def verify_receipt(request):
    """Public: anyone holding a receipt code can see that it was recorded (and, once published, counted)."""
    code = services.normalize_receipt(request.GET.get("code", ""))
    ballot, searched = None, bool(request.GET.get("code"))
    if code:
        ballot = Ballot.objects.filter(receipt=code).select_related("motion__meeting__community").first()
    published = ballot is not None and ballot.motion.meeting.status == Meeting.Status.PUBLISHED
    return render(
        request,
        "voting/verify.html",
        {"ballot": ballot, "searched": searched, "code": request.GET.get("code", ""), "published": published},
    )


# --- surveys -------------------------------------------------------------------------------------


def resident_surveys(user):
    communities = resident_memberships(user).values("unit__building__community")
    return Survey.objects.filter(community__in=communities, opens_at__lte=timezone.now()).select_related("community")


@login_required
@require_http_methods(["GET", "POST"])
def survey(request, pk):
    try:
        item = resident_surveys(request.user).get(pk=pk)
    except Survey.DoesNotExist:
        raise Http404 from None
    homes = list(surveys.households(request.user, item))
    answered = set(item.responses.filter(unit__in=homes).values_list("unit_id", flat=True))
    open_homes = [u for u in homes if u.pk not in answered]
    errors = []
    if request.method == "POST":
        try:
            unit = next(u for u in open_homes if str(u.pk) == request.POST.get("unit", str(open_homes[0].pk)))
        except (StopIteration, IndexError):
            errors.append(_("Your household has already answered this survey."))
        else:
            answers = {}
            for question in item.questions.all():
                raw = request.POST.getlist(f"q{question.pk}")
                answers[question.pk] = [int(v) for v in raw if v.isdigit()]
            try:
                surveys.respond(request.user, item, unit, answers)
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, _("Thank you: your household's answer is recorded."))
                return redirect("voting:survey", pk=item.pk)
    show_results = bool(answered) or not item.is_open()
    return render(
        request,
        "voting/survey.html",
        {
            "survey": item,
            "questions": item.questions.all(),
            "open_homes": open_homes if item.is_open() else [],
            "errors": errors,
            "results": surveys.results(item) if show_results else None,
        },
        status=422 if errors else 200,
    )
