"""Campaigns: one message from an office to many households (fees, arrears, announcements, greetings, surveys)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access
from portal.people.models import ResidentMembership, StaffRole

from . import sms as sms_rules
from .models import Campaign, Channel, Delivery, DeliveryEvent, Notification, SurveyAnswer
from .services import enqueue, push_unread_counts

CAMPAIGN_ROLES = (StaffRole.OFFICE_MANAGER, StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK)
SURVEY_REPLY_DAYS = 7


def may_run_campaigns(user, office=None) -> bool:
    if office is not None:
        return access.may_act_in_office(user, CAMPAIGN_ROLES, office)
    ids = access.office_ids_with_role(user, CAMPAIGN_ROLES)
    return ids is None or bool(ids)


def scoped_campaigns(user):
    ids = access.office_ids_with_role(user, CAMPAIGN_ROLES)
    campaigns = Campaign.objects.select_related("office", "community", "building", "created_by")
    return campaigns if ids is None else campaigns.filter(office_id__in=ids)


def check_campaign(campaign: Campaign) -> None:
    """The rules a campaign must meet before it is saved or sent; each named in the message."""
    if campaign.community_id and campaign.community.office_id != campaign.office_id:
        raise ValidationError(_("The community must belong to the campaign's office."), code="community")
    if campaign.building_id and campaign.building.community.office_id != campaign.office_id:
        raise ValidationError(_("The building must belong to the campaign's office."), code="building")
    if campaign.kind == Campaign.Kind.SURVEY and not campaign.by_sms:
        raise ValidationError(
            _("A satisfaction survey is answered by text message: tick “send by SMS”."), code="survey"
        )
    if campaign.by_sms and not sms_rules.fits(campaign.message):
        raise ValidationError(
            _("The text is %(segments)d SMS segments long; at most %(max)d are allowed. Shorten it.")
            % {"segments": sms_rules.segments(campaign.message), "max": sms_rules.settings.SMS_MAX_SEGMENTS},
            code="segments",
        )


def _household_units(campaign: Campaign, today: datetime.date):
    from portal.properties.models import Unit

    units = Unit.objects.filter(building__community__office=campaign.office)
    if campaign.community_id:
        units = units.filter(building__community=campaign.community)
    if campaign.building_id:
        units = units.filter(building=campaign.building)
    if campaign.kind == Campaign.Kind.FEE_NOTICE:
        from commerce.billing.models import Bill

        since = timezone.now() - datetime.timedelta(days=campaign.new_bill_days)
        fresh = Bill.objects.filter(status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD, created_at__gte=since)
        units = units.filter(pk__in=fresh.values("unit_id"))
    elif campaign.kind == Campaign.Kind.ARREARS:
        from commerce.billing.models import Bill
        from commerce.ledger.services import household_balance

        cutoff = today - datetime.timedelta(days=campaign.overdue_days)
        old = Bill.objects.filter(status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD, period_end__lt=cutoff)
        candidates = units.filter(pk__in=old.values("unit_id"))
        units = units.filter(pk__in=[u.pk for u in candidates if household_balance(u) > 0])
    return units


def recipients(campaign: Campaign, today: datetime.date | None = None) -> list:
    """The residents the campaign reaches (one per person, even with two homes)."""
    today = today or timezone.localdate()
    units = _household_units(campaign, today)
    memberships = ResidentMembership.objects.active().filter(unit__in=units).select_related("user").order_by("user_id")
    seen, users = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            users.append(membership.user)
    return users


def counts(campaign: Campaign) -> dict:
    row = campaign.deliveries.aggregate(
        sms=Count("pk", filter=Q(channel=Channel.SMS)),
        sent=Count("pk", filter=Q(status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED])),
        delivered=Count("pk", filter=Q(status=Delivery.Status.DELIVERED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        skipped=Count("pk", filter=Q(status=Delivery.Status.SKIPPED)),
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
    )
    row["recipients"] = campaign.recipients
    row["answers"] = campaign.answers.count()
    row["read"] = Notification.objects.filter(context__campaign=campaign.pk, read_at__isnull=False).count()
    return row


def send_campaign(campaign: Campaign, *, by, today: datetime.date | None = None) -> Campaign:
    """Send now: in-app to every recipient, plus SMS/email deliveries; the SMS come out of ``by``'s quota."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not may_run_campaigns(by, campaign.office):
            raise PermissionDenied
        if campaign.kind == Campaign.Kind.BIRTHDAY:
            raise ValidationError(_("Birthday greetings are not sent at once: start them, they go out daily."))
        campaign.check_transition(Campaign.Status.SENT)
        check_campaign(campaign)
        users = recipients(campaign, today)
        if campaign.kind == Campaign.Kind.HOLIDAY:
            return _send_greeting(campaign, users, by=by)
        sms_to = [u for u in users if campaign.by_sms and u.phone]
        if sms_to and not sms_rules.reserve_employee_quota(by, len(sms_to)):
            raise ValidationError(
                _("This campaign needs %(needed)d text messages but your monthly SMS quota has %(left)d left.")
                % {"needed": len(sms_to), "left": sms_rules.quota_left(by)},
                code="quota",
            )
        made = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=u,
                    event=f"campaign.{campaign.kind}",
                    title=campaign.title,
                    body=campaign.message,
                    context={"campaign": campaign.pk},
                )
                for u in users
            ]
        )
        deliveries = []
        for notification in made:
            user = notification.recipient
            common = {
                "campaign": campaign,
                "recipient": user,
                "notification": notification,
                "event": notification.event,
                "sent_by": by,
            }
            if campaign.by_sms and user.phone:
                deliveries.append(Delivery(channel=Channel.SMS, to=user.phone, body=campaign.message, **common))
            if campaign.by_email and user.email:
                deliveries.append(
                    Delivery(
                        channel=Channel.EMAIL, to=user.email, subject=campaign.title, body=campaign.message, **common
                    )
                )
        deliveries = Delivery.objects.bulk_create(deliveries)
        DeliveryEvent.objects.bulk_create([DeliveryEvent(delivery=d, status=d.status) for d in deliveries])
        campaign.status = Campaign.Status.SENT
        campaign.sent_at = timezone.now()
        campaign.recipients = len(users)
        campaign.save(update_fields=["status", "sent_at", "recipients"])
        enqueue([d.pk for d in deliveries])
        user_ids = [u.pk for u in users]
        transaction.on_commit(lambda: push_unread_counts(user_ids))
    return campaign


def _send_greeting(campaign: Campaign, users: list, *, by) -> Campaign:
    """A holiday greeting: like any campaign, but each resident's channel choices and quiet hours decide."""
    from . import greetings

    plan = greetings.channel_plan(campaign, users, timezone.now())
    needed = sum(1 for u in users if plan[u.pk]["sms"] and not plan[u.pk]["quiet"])
    if needed and not sms_rules.reserve_employee_quota(by, needed):
        raise ValidationError(
            _("This campaign needs %(needed)d text messages but your monthly SMS quota has %(left)d left.")
            % {"needed": needed, "left": sms_rules.quota_left(by)},
            code="quota",
        )
    queued = greetings.make_messages(campaign, users, plan, by=by, reserve_quota=False)
    campaign.status = Campaign.Status.SENT
    campaign.sent_at = timezone.now()
    campaign.recipients = len(users)
    campaign.save(update_fields=["status", "sent_at", "recipients"])
    enqueue([d.pk for d in queued])
    return campaign


def schedule(campaign: Campaign, *, by, on: datetime.date) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not may_run_campaigns(by, campaign.office):
            raise PermissionDenied
        if campaign.kind == Campaign.Kind.BIRTHDAY:
            raise ValidationError(_("Birthday greetings are not scheduled for one day: start them."), code="kind")
        if on <= timezone.localdate():
            raise ValidationError(_("Schedule for a later day, or send it now."), code="past")
        campaign.check_transition(Campaign.Status.SCHEDULED)
        check_campaign(campaign)
        campaign.status = Campaign.Status.SCHEDULED
        campaign.send_on = on
        campaign.save(update_fields=["status", "send_on"])
    return campaign


def send_due(today: datetime.date | None = None) -> int:
    """Beat: send every scheduled campaign whose day has come, on behalf of who created it."""
    today = today or timezone.localdate()
    sent = 0
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, send_on__lte=today).exclude(
        kind=Campaign.Kind.BIRTHDAY  # those run daily: greetings.send_birthday_greetings
    )
    for campaign in due.select_related("created_by"):
        try:
            send_campaign(campaign, by=campaign.created_by, today=today)
            sent += 1
        except (ValidationError, PermissionDenied):
            continue  # left scheduled and visible in the back office
    return sent


def record_survey_answer(phone: str, body: str) -> bool:
    """A reply from a number that got a survey in the last week is that survey's answer."""
    since = timezone.now() - datetime.timedelta(days=SURVEY_REPLY_DAYS)
    delivery = (
        Delivery.objects.filter(
            to=phone, channel=Channel.SMS, campaign__kind=Campaign.Kind.SURVEY, created_at__gte=since
        )
        .select_related("campaign")
        .order_by("-created_at")
        .first()
    )
    if delivery is None:
        return False
    SurveyAnswer.objects.create(
        campaign=delivery.campaign, phone=phone, user=delivery.recipient, body=body.strip()[:500]
    )
    return True
