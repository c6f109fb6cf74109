"""Picking up work that a stopped or killed worker left unfinished."""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from dam.models import Asset

logger = logging.getLogger(__name__)

# A pending asset younger than this is still in the queue, most likely.
PENDING_GRACE = timedelta(minutes=10)


def requeue_unfinished():
    """Queue again the assets whose processing was cut off; return how many.

    An asset left "processing" was being worked on when a worker stopped;
    one "pending" for long lost its job (a broker restarted without its
    data). Duplicates are harmless: the pipeline locks per asset and skips
    what is done.
    """
    from ingest.tasks import ingest_asset_task

    stale = timezone.now() - PENDING_GRACE
    unfinished = Asset.objects.filter(
        Q(status=Asset.Status.PROCESSING)
        | Q(status=Asset.Status.PENDING, updated_at__lt=stale)
    ).values_list("id", flat=True)

    count = 0
    for asset_id in unfinished.iterator():
        ingest_asset_task.delay(str(asset_id))
        count += 1
    if count:
        logger.info("requeued %d unfinished assets", count)
    return count
