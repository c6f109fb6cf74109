"""Celery tasks of the ingest pipeline (thin: the work is in pipeline)."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError
from kombu.exceptions import OperationalError as BrokerError

from ingest import pipeline

logger = logging.getLogger(__name__)

# Errors worth another try: storage I/O, a dropped database connection, the
# broker going away. Bad media never reaches here: steps turn it into
# MediaError, which the pipeline records as the asset's failure.
TRANSIENT_ERRORS = (OSError, DatabaseError, InterfaceError, BrokerError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def ingest_asset_task(asset_id):
    """Run the missing ingest steps for one asset."""
    return pipeline.run_pipeline(asset_id)


@worker_ready.connect
def requeue_unfinished_assets(sender, **kwargs):
    """When a worker starts, queue what an earlier stop left unfinished."""
    from ingest.recovery import requeue_unfinished

    try:
        requeue_unfinished()
    except (DatabaseError, BrokerError):
        logger.exception("could not requeue unfinished assets")
