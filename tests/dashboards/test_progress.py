"""The job-status endpoint behind every live progress bar: its JSON, and who may read it."""

import pytest
from django.urls import reverse

from commerce.billing.models import BillingRun
from commerce.documents.models import NoticeBatch
from notifications.models import Campaign, Delivery

pytestmark = pytest.mark.django_db


def status_url(kind, pk):
    return reverse("dashboards_progress", args=[kind, pk])


def get_json(client, user, kind, pk):
    client.force_login(user)
    return client.get(status_url(kind, pk))


@pytest.fixture
def running_run(w):
    start = w.run.period_start.replace(year=w.run.period_start.year + 1)
    return BillingRun.objects.create(
        office=w.office,
        period_start=start,
        period_end=start,
        status=BillingRun.Status.RUNNING,
        total=200,
        done=50,
        billed=48,
        skipped=1,
        error_count=1,
        error_log=[{"unit": "3-101", "message": "No charge standard"}],
    )


def test_a_running_billing_run_reports_done_total_and_errors(w, client, running_run):
    response = get_json(client, w.clerk, "billing_run", running_run.pk)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # never a stale figure from a cache
    job = response.json()
    assert job["kind"] == "billing_run" and job["id"] == running_run.pk
    assert (job["status"], job["active"], job["done"], job["total"], job["percent"]) == ("running", True, 50, 200, 25)
    assert job["error_count"] == 1 and job["errors"] == ["3-101: No charge standard"]
    assert ["Billed", "48"] in job["details"] and ["Skipped", "1"] in job["details"]
    assert job["url"] == status_url("billing_run", running_run.pk)


def test_a_finished_run_stops_the_polling_and_shows_its_total(w, client):
    job = get_json(client, w.clerk, "billing_run", w.run.pk).json()
    assert (job["active"], job["percent"], job["done"], job["total"]) == (False, 100, 2, 2)
    assert ["Total", "¥200.00"] in job["details"]


def test_a_notice_batch_reports_its_progress(w, client):
    batch = NoticeBatch.objects.create(
        office=w.office,
        scope=f"community:{w.site.community.pk}",
        place="Garden a",
        status=NoticeBatch.Status.RUNNING,
        total=10,
        done=10,
        pages=4,
        printed=2,
        errors=[{"units": "3-102", "message": "No address"}],
    )
    job = get_json(client, w.clerk, "notice_batch", batch.pk).json()
    assert (job["active"], job["done"], job["total"], job["percent"]) == (True, 10, 10, 60)
    assert job["errors"] == ["3-102: No address"] and job["error_count"] == 1
    assert ["Notices printed", "2 / 4"] in job["details"]


def test_a_campaign_reports_its_messages_going_out(w, client):
    campaign = Campaign.objects.create(
        office=w.office, title="Water cut", message="Tomorrow 9-12", status=Campaign.Status.SENT, recipients=3
    )
    for status, error in (("sent", ""), ("queued", ""), ("failed", "Number unreachable")):
        Delivery.objects.create(
            channel="sms", to="+8613800000009", body="x", campaign=campaign, status=status, error=error
        )
    job = get_json(client, w.clerk, "campaign", campaign.pk).json()
    assert (job["active"], job["done"], job["total"], job["percent"], job["error_count"]) == (True, 2, 3, 66, 1)
    assert job["errors"] == ["+8613800000009: Number unreachable"]
    Delivery.objects.filter(campaign=campaign, status="queued").update(status="sent")
    assert get_json(client, w.clerk, "campaign", campaign.pk).json()["active"] is False


def test_another_offices_job_is_not_found(w, client, running_run):
    assert get_json(client, w.other_clerk, "billing_run", running_run.pk).status_code == 404
    assert get_json(client, w.other_manager, "billing_run", w.run.pk).status_code == 404


def test_headquarters_follow_every_offices_jobs(w, client, running_run):
    assert get_json(client, w.hq, "billing_run", running_run.pk).status_code == 200
    assert get_json(client, w.hq, "billing_run", w.other_run.pk).status_code == 200


def test_a_role_without_that_kind_of_job_gets_404(w, client, running_run):
    assert get_json(client, w.tech, "billing_run", running_run.pk).status_code == 404
    assert get_json(client, w.keeper, "billing_run", running_run.pk).status_code == 404


def test_an_unknown_kind_or_job_is_not_found(w, client):
    assert get_json(client, w.clerk, "nuclear_launch", w.run.pk).status_code == 404
    assert get_json(client, w.clerk, "billing_run", 999999).status_code == 404


def test_residents_and_visitors_cannot_read_job_status(w, client, running_run):
    anonymous = client.get(status_url("billing_run", running_run.pk))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(w.resident)
    assert client.get(status_url("billing_run", running_run.pk)).status_code in (302, 403, 404)


def test_only_get_is_allowed(w, client):
    client.force_login(w.clerk)
    assert client.post(status_url("billing_run", w.run.pk)).status_code == 405


def test_the_run_page_shows_the_live_progress_bar(w, client, running_run):
    client.force_login(w.clerk)
    page = client.get(reverse("billing_runs:detail", args=[running_run.pk])).content.decode()
    assert f'data-progress-url="{status_url("billing_run", running_run.pk)}"' in page
    assert 'data-active="1"' in page and "dashboards/progress.js" in page
