"""Campaigns from the back office: who they reach, the SMS quota, counts from delivery receipts, surveys, schedules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications import campaigns
from notifications.models import Campaign, Notification, SurveyAnswer
from tests.factories import AccountFactory, ResidentMembershipFactory

from .test_centre import django_capture_on_commit
from .test_twilio import signed_post, twilio  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def make(world, **fields):
    defaults = {
        "office": world.north.office,
        "title": "Lift maintenance",
        "message": "Lift 3 stops on Friday 9-12.",
        "created_by": world.desk,
    }
    return Campaign.objects.create(**{**defaults, **fields})


def test_an_announcement_to_a_building_reaches_its_residents_in_app_and_by_sms(world, sms_outbox):
    south_resident = AccountFactory(phone="+8613800000077")
    ResidentMembershipFactory(user=south_resident, unit=world.south.units[0])
    campaign = make(world, building=world.north.building, by_sms=True)

    with django_capture_on_commit():
        campaigns.send_campaign(campaign, by=world.desk)

    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.recipients == 2
    assert sorted(m.to for m in sms_outbox) == ["+8613800000001", "+8613800000002"]
    assert Notification.objects.filter(title="Lift maintenance").count() == 2
    assert not Notification.objects.filter(recipient=south_resident).exists()
    assert campaigns.counts(campaign) | {} == {
        "sms": 2,
        "sent": 2,
        "delivered": 0,
        "failed": 0,
        "skipped": 0,
        "queued": 0,
        "recipients": 2,
        "answers": 0,
        "read": 0,
    }


def test_a_campaign_cannot_be_sent_twice(world):
    campaign = make(world)
    campaigns.send_campaign(campaign, by=world.desk)
    with pytest.raises(ValidationError):
        campaigns.send_campaign(campaign, by=world.desk)


def test_the_monthly_sms_quota_refuses_a_campaign_it_cannot_cover_and_sends_nothing(world, settings, sms_outbox):
    settings.SMS_MONTHLY_QUOTA_PER_EMPLOYEE = 1
    campaign = make(world, by_sms=True)
    with pytest.raises(ValidationError, match="needs 2 text messages but your monthly SMS quota has 1 left"):
        campaigns.send_campaign(campaign, by=world.desk)
    campaign.refresh_from_db()
    assert campaign.status == "draft" and sms_outbox == [] and not Notification.objects.exists()


def test_a_text_longer_than_the_priced_segments_is_refused(world, settings):
    settings.SMS_MAX_SEGMENTS = 1
    campaign = make(world, by_sms=True, message="电梯维修" * 20)
    with pytest.raises(ValidationError, match="2 SMS segments long; at most 1"):
        campaigns.send_campaign(campaign, by=world.desk)


def test_delivery_receipts_fill_the_campaign_counts(client, world, twilio):  # noqa: F811
    twilio.answers = [(201, None), (400, {"code": 21211, "message": "invalid", "status": 400})]
    campaign = make(world, by_sms=True)
    with django_capture_on_commit():
        campaigns.send_campaign(campaign, by=world.desk)
    sent = campaign.deliveries.get(status="sent")
    signed_post(
        client, reverse("notifications:twilio_status"), {"MessageSid": sent.provider_id, "MessageStatus": "delivered"}
    )
    campaign.refresh_from_db()
    counts = campaigns.counts(campaign)
    assert (counts["recipients"], counts["sent"], counts["delivered"], counts["failed"]) == (2, 1, 1, 1)


def test_an_sms_survey_records_the_replies(client, world, twilio):  # noqa: F811
    campaign = make(
        world, kind=Campaign.Kind.SURVEY, by_sms=True, message="How happy are you with our service? Reply 1-5."
    )
    with django_capture_on_commit():
        campaigns.send_campaign(campaign, by=world.manager)
    signed_post(client, reverse("notifications:twilio_inbound"), {"From": "+8613800000001", "Body": "5"})
    signed_post(client, reverse("notifications:twilio_inbound"), {"From": "+8613899999999", "Body": "1"})
    answer = SurveyAnswer.objects.get()
    assert (answer.campaign, answer.user, answer.body) == (campaign, world.resident, "5")


def test_a_survey_must_go_by_sms(world):
    with pytest.raises(ValidationError, match="answered by text message"):
        campaigns.check_campaign(make(world, kind=Campaign.Kind.SURVEY))


def test_a_scheduled_holiday_greeting_goes_out_on_its_day(world):
    campaign = make(world, kind=Campaign.Kind.HOLIDAY, title="Happy Spring Festival", message="新春快乐!")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    campaigns.schedule(campaign, by=world.desk, on=tomorrow)

    assert campaigns.send_due(today=tomorrow - datetime.timedelta(days=1)) == 0
    assert campaigns.send_due(today=tomorrow) == 1
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.recipients == 2


def test_arrears_reminders_reach_only_households_overdue_beyond_the_limit(world):
    from commerce.billing.models import ChargeItem
    from commerce.billing.one_off import issue_charge

    item = ChargeItem.objects.create(office=world.north.office, code="fee", name="Fee", kind="fixed")
    long_ago = timezone.localdate() - datetime.timedelta(days=60)
    issue_charge(world.north.units[0], item, Decimal("300.00"), key="old", on=long_ago)
    issue_charge(world.north.units[1], item, Decimal("300.00"), key="new")
    arrears = make(world, kind=Campaign.Kind.ARREARS, overdue_days=30)
    assert campaigns.recipients(arrears) == [world.resident]
    fee_notice = make(world, kind=Campaign.Kind.FEE_NOTICE, new_bill_days=7)
    assert {u.pk for u in campaigns.recipients(fee_notice)} == {world.resident.pk, world.neighbour.pk}


# --- back office ---


def test_office_staff_create_and_send_a_campaign_in_the_back_office(client, world):
    client.force_login(world.desk)
    response = client.post(
        reverse("notifications_campaign_new"),
        {
            "office": world.north.office.pk,
            "kind": "announcement",
            "title": "Water cut",
            "message": "No water Fri.",
            "overdue_days": 30,
            "new_bill_days": 7,
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("notifications_campaign", args=[campaign.pk])).content.decode()
    assert "Would reach 2 residents now." in page
    client.post(reverse("notifications_campaign", args=[campaign.pk]), {"action": "send"})
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert "Water cut" in client.get(reverse("notifications_campaigns")).content.decode()


def test_another_offices_staff_and_residents_cannot_reach_a_campaign(client, world):
    campaign = make(world)
    client.force_login(world.south_manager)
    assert "Lift maintenance" not in client.get(reverse("notifications_campaigns")).content.decode()
    assert client.get(reverse("notifications_campaign", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("notifications_campaign", args=[campaign.pk]), {"action": "send"}).status_code == 404
    client.force_login(world.resident)
    response = client.get(reverse("notifications_campaigns"))
    assert response.status_code in (302, 403)
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_a_campaign_for_another_offices_building_is_refused_by_the_form(client, world):
    client.force_login(world.desk)
    response = client.post(
        reverse("notifications_campaign_new"),
        {
            "office": world.north.office.pk,
            "kind": "announcement",
            "title": "X",
            "message": "Y",
            "building": world.south.building.pk,
            "overdue_days": 30,
            "new_bill_days": 7,
        },
    )
    assert response.status_code == 200 and not Campaign.objects.exists()
