"""Back-office screens of owners' meetings: the list, a new meeting, and one meeting's control room
(motions, notice, roll with the reason for each grouping, paper ballots, proxies, count, results, export).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal.access import may_act_in_office

from . import services, surveys, verification
from .access import may_create_meetings, may_use_voting, scope_meetings
from .forms import CandidateForm, MeetingForm, MotionForm, PaperEntryForm, SurveyForm
from .models import Ballot, Meeting, PaperEntry, Proxy, Survey


class VotingStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not may_use_voting(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("voting_admin:index"), "label": _("Owners' meetings")},
            {"url": "", "label": self.get_page_title()},
        ]


def scoped_meeting(user, pk) -> Meeting:
    try:
        return scope_meetings(user, Meeting.objects.select_related("community__office")).get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


class MeetingIndexView(VotingStaffMixin, TemplateView):
    template_name = "voting/admin/index.html"
    page_title = gettext_lazy("Owners' meetings")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        meetings = scope_meetings(self.request.user, Meeting.objects.select_related("community")).order_by("-opens_at")
        return super().get_context_data(
            meetings=meetings[:200], may_create=may_create_meetings(self.request.user), **kwargs
        )


class MeetingCreateView(VotingStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = MeetingForm
    page_title = gettext_lazy("New owners' meeting")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Create the draft"),
            action_url=self.request.get_full_path(),
            intro=_(
                "A meeting starts as a draft: add its motions, then announce it. Announcing freezes the roll of "
                "owners and areas, and voting may open only after the notice period."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            meeting = services.create_meeting(
                self.request.user,
                data["community"],
                title=data["title"],
                description=data["description"],
                notice_days=data["notice_days"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                allow_change=data["allow_change"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft meeting created. Add its motions."))
        return redirect("voting_admin:meeting", pk=meeting.pk)


class MeetingView(VotingStaffMixin, TemplateView):
    template_name = "voting/admin/meeting.html"

    def get_page_title(self):
        return self.meeting.title

    def dispatch(self, request, *args, **kwargs):
        if may_use_voting(request.user):
            self.meeting = scoped_meeting(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        meeting, user = self.meeting, self.request.user
        manager = may_act_in_office(user, services.MANAGER_ROLES, meeting.community.office_id)
        roll = meeting.roll.prefetch_related("units__unit__building", "owners").order_by("pk")
        voted = {}
        for party_id in Ballot.objects.filter(motion__meeting=meeting).values_list("party_id", flat=True):
            voted[party_id] = voted.get(party_id, 0) + 1
        motions = list(meeting.motions.all())
        results = [(m, getattr(m, "result", None)) for m in meeting.motions.select_related("result")]
        return super().get_context_data(
            meeting=meeting,
            manager=manager,
            motions=motions,
            motion_form=kwargs.pop("motion_form", None) or MotionForm(),
            candidate_form=kwargs.pop("candidate_form", None) or CandidateForm(meeting=meeting),
            paper_form=kwargs.pop("paper_form", None) or PaperEntryForm(meeting=meeting),
            roll=[(p, voted.get(p.pk, 0)) for p in roll],
            ballots=Ballot.objects.filter(motion__meeting=meeting).count(),
            paper=PaperEntry.objects.filter(motion__meeting=meeting).select_related(
                "party", "motion", "entered_by", "decided_by"
            )[:100],
            proxies=Proxy.objects.filter(party__meeting=meeting).select_related("party", "granted_by", "proxy"),
            results=results,
            counted=meeting.status in (Meeting.Status.TALLIED, Meeting.Status.PUBLISHED),
            is_open=meeting.is_open(),
            window_over=timezone.now() >= meeting.closes_at,
            check=verification.verify(meeting) if meeting.status != Meeting.Status.DRAFT else None,
            **kwargs,
        )

    ACTIONS = {
        "announce": lambda by, m: services.announce(by, m),
        "close": lambda by, m: services.close(m, by=by),
        "count": lambda by, m: services.count(by, m),
        "publish": lambda by, m: services.publish(by, m),
        "cancel": lambda by, m: services.cancel(by, m),
    }
    DONE = {
        "announce": gettext_lazy("Announced; the roll is frozen and the owners are notified."),
        "close": gettext_lazy("Voting closed."),
        "count": gettext_lazy("Counted."),
        "publish": gettext_lazy("Results published to the owners."),
        "cancel": gettext_lazy("Meeting cancelled."),
    }

    def post(self, request, pk):
        meeting, action = self.meeting, request.POST.get("action", "")
        try:
            if action in self.ACTIONS:
                self.ACTIONS[action](request.user, meeting)
                messages.success(request, str(self.DONE[action]))
            elif action == "verify":
                check = verification.verify(meeting, force=True)
                if check.problems:
                    messages.error(request, _("The verifier found problems; see the list below."))
                else:
                    messages.success(request, _("Verified again: intact."))
            elif action == "motion":
                form = MotionForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(motion_form=form), status=422)
                services.add_motion(request.user, meeting, **form.cleaned_data)
                messages.success(request, _("Motion added."))
            elif action == "candidate":
                form = CandidateForm(request.POST, meeting=meeting)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(candidate_form=form), status=422)
                data = form.cleaned_data
                services.add_candidate(request.user, data["motion"], name=data["name"], profile=data["profile"])
                messages.success(request, _("Candidate added."))
            elif action == "remind":
                services.require_manager(request.user, meeting)
                count = services.remind_non_voters(meeting)
                messages.success(request, _("Reminded %(count)d owners who have not voted yet.") % {"count": count})
            elif action == "paper":
                form = PaperEntryForm(request.POST, request.FILES, meeting=meeting)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(paper_form=form), status=422)
                data = form.cleaned_data
                services.enter_paper_ballot(
                    request.user, meeting, data["party"], form.choices(), data["scan"], reference=data["reference"]
                )
                messages.success(request, _("Paper ballot entered; a second clerk must confirm it."))
            elif action in ("paper_confirm", "paper_reject"):
                entry = PaperEntry.objects.filter(motion__meeting=meeting, pk=request.POST.get("entry")).first()
                if entry is None:
                    raise Http404
                if action == "paper_confirm":
                    services.confirm_paper(request.user, entry)
                    messages.success(request, _("Paper ballot confirmed and counted."))
                else:
                    services.reject_paper(request.user, entry)
                    messages.success(request, _("Paper ballot rejected."))
            elif action in ("proxy_approve", "proxy_reject"):
                proxy = Proxy.objects.filter(party__meeting=meeting, pk=request.POST.get("proxy")).first()
                if proxy is None:
                    raise Http404
                services.decide_proxy(request.user, proxy, approve=action == "proxy_approve")
                messages.success(request, _("Proxy decided."))
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("voting_admin:meeting", pk=meeting.pk)


def export_results_pdf(request, pk):
    from commerce.documents.pdf import pdf_response

    from .pdf import results_pdf

    if not may_use_voting(request.user):
        raise PermissionDenied
    meeting = scoped_meeting(request.user, pk)
    if meeting.status not in (Meeting.Status.TALLIED, Meeting.Status.PUBLISHED):
        raise Http404
    return pdf_response(results_pdf(meeting), f"meeting-{meeting.pk}-results.pdf")


def export_results(request, pk):
    if not may_use_voting(request.user):
        raise PermissionDenied
    meeting = scoped_meeting(request.user, pk)
    if meeting.status not in (Meeting.Status.TALLIED, Meeting.Status.PUBLISHED):
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-results.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Motion"),
            _("Rule"),
            _("Total area"),
            _("Total owners"),
            _("Participating area"),
            _("Participating owners"),
            _("For area"),
            _("For owners"),
            _("Against area"),
            _("Against owners"),
            _("Abstain area"),
            _("Abstain owners"),
            _("Participation by area"),
            _("Participation by owners"),
            _("Approval by area"),
            _("Approval by owners"),
            _("Quorum met"),
            _("Passed"),
        ]
    )
    for motion in meeting.motions.select_related("result"):
        r = motion.result.data
        if r["rule"] == "election":
            for c in r["candidates"]:
                status = _("elected") if c["elected"] else _("run-off") if c["runoff"] else ""
                writer.writerow(
                    [
                        f"{motion.title}: {c['name']}",
                        r["rule"],
                        r["total"]["area"],
                        r["total"]["headcount"],
                        r["participating"]["area"],
                        r["participating"]["headcount"],
                        c["area"],
                        c["headcount"],
                        "",
                        "",
                        "",
                        "",
                        f"{r['participation_area']['fraction']} ({r['participation_area']['percent']})",
                        f"{r['participation_headcount']['fraction']} ({r['participation_headcount']['percent']})",
                        f"{c['approval_area']['fraction']} ({c['approval_area']['percent']})",
                        f"{c['approval_headcount']['fraction']} ({c['approval_headcount']['percent']})",
                        r["quorum_met"],
                        status,
                    ]
                )
            continue
        writer.writerow(
            [
                motion.title,
                r["rule"],
                r["total"]["area"],
                r["total"]["headcount"],
                r["participating"]["area"],
                r["participating"]["headcount"],
                r["for"]["area"],
                r["for"]["headcount"],
                r["against"]["area"],
                r["against"]["headcount"],
                r["abstain"]["area"],
                r["abstain"]["headcount"],
                *(
                    f"{r[k]['fraction']} ({r[k]['percent']})"
                    for k in ("participation_area", "participation_headcount", "approval_area", "approval_headcount")
                ),
                r["quorum_met"],
                r["passed"],
            ]
        )
    return response


# --- surveys -------------------------------------------------------------------------------------


class SurveyIndexView(VotingStaffMixin, TemplateView):
    template_name = "voting/admin/surveys.html"
    page_title = gettext_lazy("Surveys and polls")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        items = scope_meetings(self.request.user, Survey.objects.select_related("community")).order_by("-opens_at")
        return super().get_context_data(surveys=items[:200], **kwargs)


class SurveyCreateView(VotingStaffMixin, FormView):
    template_name = "properties/admin/tool_form.html"
    form_class = SurveyForm
    page_title = gettext_lazy("New survey")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_button_label=_("Create the survey"),
            action_url=self.request.get_full_path(),
            intro=_("Surveys are not legal decisions: each household answers once and results are shown in percent."),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            survey = surveys.create_survey(
                self.request.user,
                data["community"],
                title=data["title"],
                description=data["description"],
                questions_text=data["questions"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("Survey created."))
        return redirect("voting_surveys:detail", pk=survey.pk)


class SurveyDetailView(VotingStaffMixin, TemplateView):
    template_name = "voting/admin/survey.html"

    def get_page_title(self):
        return self.survey.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("voting_surveys:index"), "label": _("Surveys and polls")},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if may_use_voting(request.user):
            try:
                self.survey = scope_meetings(request.user, Survey.objects.select_related("community")).get(
                    pk=kwargs["pk"]
                )
            except Survey.DoesNotExist:
                raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(survey=self.survey, results=surveys.results(self.survey), **kwargs)
