from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
    acks_late=True,
)
def render_notice_batch(batch_id: int) -> dict:
    """Print one batch of payment notices (``batches.run_batch``); a database outage is retried from the start."""
    from django.conf import settings
    from django.urls import reverse

    from .batches import run_batch

    batch = run_batch(batch_id, settings.SITE_URL.rstrip("/") + reverse("pay_bills"))
    return {"batch": batch.pk, "status": batch.status, "pages": batch.pages}
