"""Back-office screens of campaigns: the list with counts, a new campaign, one campaign (send, schedule)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal import access
from portal.properties.models import Building, Community, Office

from . import campaigns, greetings
from . import sms as sms_rules
from .models import Campaign


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "office",
            "kind",
            "title",
            "message",
            "community",
            "building",
            "overdue_days",
            "new_bill_days",
            "by_sms",
            "by_email",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = access.office_ids_with_role(user, campaigns.CAMPAIGN_ROLES)
        offices = Office.objects.order_by("name")
        communities = Community.objects.select_related("office").order_by("name")
        buildings = Building.objects.select_related("community").order_by("community__name", "name")
        if ids is not None:
            offices = offices.filter(pk__in=ids)
            communities = communities.filter(office_id__in=ids)
            buildings = buildings.filter(community__office_id__in=ids)
        self.fields["office"].queryset = offices
        self.fields["community"].queryset = communities
        self.fields["building"].queryset = buildings
        if len(offices[:2]) == 1:
            self.fields["office"].initial = offices[0]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        probe = Campaign(**{k: v for k, v in cleaned.items()})
        try:
            campaigns.check_campaign(probe)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        return cleaned


class CampaignStaffMixin(WagtailAdminTemplateMixin):
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not campaigns.may_run_campaigns(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class CampaignIndexView(CampaignStaffMixin, TemplateView):
    template_name = "notifications/admin/campaigns.html"
    page_title = gettext_lazy("Campaigns")

    def get_context_data(self, **kwargs):
        rows = [(c, campaigns.counts(c)) for c in campaigns.scoped_campaigns(self.request.user)[:100]]
        return super().get_context_data(rows=rows, quota_left=sms_rules.quota_left(self.request.user), **kwargs)


class CampaignCreateView(CampaignStaffMixin, FormView):
    template_name = "notifications/admin/campaign_form.html"
    page_title = gettext_lazy("New campaign")

    def get_form(self, form_class=None):
        return CampaignForm(**self.get_form_kwargs(), user=self.request.user)

    def form_valid(self, form):
        campaign = form.save(commit=False)
        campaign.created_by = self.request.user
        campaign.save()
        messages.success(self.request, _("Campaign saved as a draft. Check the recipients, then send it."))
        return redirect("notifications_campaign", campaign.pk)


class CampaignDetailView(CampaignStaffMixin, TemplateView):
    template_name = "notifications/admin/campaign.html"
    page_title = gettext_lazy("Campaign")

    def get_campaign(self):
        return get_object_or_404(campaigns.scoped_campaigns(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        campaign = self.get_campaign()
        birthday = campaign.kind == Campaign.Kind.BIRTHDAY
        draft = campaign.status == Campaign.Status.DRAFT or (
            campaign.status == Campaign.Status.SCHEDULED and not birthday
        )
        extra = {}
        if birthday:
            today = timezone.localdate()
            reach = campaigns.recipients(campaign)
            extra = {
                "birthday": True,
                "with_birth_date": sum(1 for u in reach if u.birth_date),
                "birthdays_today": len(greetings.birthdays_today(campaign, today)),
            }
        return super().get_context_data(
            campaign=campaign,
            counts=campaigns.counts(campaign),
            would_reach=len(campaigns.recipients(campaign)) if draft else None,
            **extra,
            segments=sms_rules.segments(campaign.message),
            deliveries=campaign.deliveries.select_related("recipient")[:50],
            answers=campaign.answers.select_related("user")[:50],
            quota_left=sms_rules.quota_left(self.request.user),
            **kwargs,
        )

    def post(self, request, pk):
        campaign = self.get_campaign()
        action = request.POST.get("action")
        try:
            if action == "send":
                campaign = campaigns.send_campaign(campaign, by=request.user)
                messages.success(request, _("Sent to %(count)d residents.") % {"count": campaign.recipients})
            elif action == "start":
                greetings.start_birthdays(campaign, by=request.user)
                messages.success(request, _("Birthday greetings started: they go out every day."))
            elif action == "schedule":
                try:
                    on = datetime.date.fromisoformat(request.POST.get("send_on", ""))
                except ValueError:
                    raise ValidationError(_("Give the day to send on, such as 2026-02-17.")) from None
                campaigns.schedule(campaign, by=request.user, on=on)
                messages.success(request, _("Scheduled."))
            elif action == "cancel":
                campaign.check_transition(Campaign.Status.CANCELLED)
                campaign.status = Campaign.Status.CANCELLED
                campaign.save(update_fields=["status"])
                messages.success(request, _("Cancelled."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(reverse("notifications_campaign", args=[campaign.pk]))
