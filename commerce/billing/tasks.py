from celery import shared_task
from django.db import OperationalError


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def execute_billing_run(run_id: int) -> dict:
    """Run (or resume) one billing run; a database outage is retried, the run resumes where it was."""
    from .runs import execute_run

    run = execute_run(run_id)
    return {"run": run.pk, "status": run.status, "billed": run.billed, "errors": run.error_count}
