"""The ingest pipeline: which steps run for an asset, in what order.

Every step is a function that takes an Asset, does its work, and saves what
it computed. Its outcome is recorded per asset in IngestStep, so a re-run
only does what is missing: a step is skipped when it is done at its current
version. A step signals a bad file with MediaError (the asset fails with that
reason) and a reason to wait with StepDeferred; any other exception is
treated as transient by the task and retried.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from dam.models import Asset
from ingest.errors import MediaError, StepDeferred
from ingest.models import IngestStep

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    function: str
    kinds: tuple = ("image", "video")
    version: str = "1"
    # A dotted path to a function returning the version, for steps whose
    # result depends on configuration (such as the embedding model).
    version_function: str = ""
    # The asset is ready only when every required step is done; an optional
    # step may wait (for a model, say) without holding the asset back.
    required: bool = True

    def current_version(self):
        if self.version_function:
            return str(import_string(self.version_function)())
        return self.version

    def applies_to(self, asset):
        return asset.kind in self.kinds


# The whole pipeline, in order. Later steps may rely on earlier ones' output
# (renditions need the metadata's orientation; hashes read the preview).
STEPS = (
    Step("metadata", "ingest.metadata.read_metadata"),
    Step("renditions", "ingest.renditions.make_renditions"),
    Step("phash", "ingest.hashes.compute_phash"),
    # Optional: without the CLIP weights it waits and the asset is still
    # ready; a change of model makes it due again.
    Step(
        "embedding",
        "search.indexing.embed_asset",
        version_function="search.weights.model_identity",
        required=False,
    ),
    # A video's moments: frames at each shot and every few seconds, due
    # again when the sampling settings change; then a CLIP vector for each,
    # which waits for the weights like "embedding" does.
    Step(
        "frames",
        "moments.frames.sample_video_frames",
        kinds=("video",),
        version_function="moments.sampling.sampling_version",
    ),
    Step(
        "moments",
        "moments.indexing.embed_video_frames",
        kinds=("video",),
        version_function="moments.indexing.moments_version",
        required=False,
    ),
    # Last, as it may take longest: a copy that browsers play, when the
    # original is not one.
    Step("playable", "ingest.video_playback.make_playable", kinds=("video",)),
)


def steps_for(asset):
    return [step for step in STEPS if step.applies_to(asset)]


@contextmanager
def asset_lock(asset_id):
    """Hold a PostgreSQL advisory lock on the asset while it is processed.

    Yields False when another worker holds it. The lock belongs to the
    database session, so a killed worker releases it with its connection.
    """
    key = "ingest:%s" % asset_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def pending_steps(asset):
    """Return the steps that are not done at their current version."""
    done = {
        (row.name, row.version)
        for row in IngestStep.objects.filter(asset=asset, state=IngestStep.State.DONE)
    }
    return [
        step for step in steps_for(asset) if (step.name, step.current_version()) not in done
    ]


def run_pipeline(asset_id):
    """Run every missing step for the asset; return its final status.

    Returns None when the asset is gone or another worker is on it.
    """
    with asset_lock(asset_id) as acquired:
        if not acquired:
            logger.info("asset %s is being processed elsewhere; skipped", asset_id)
            return None

        asset = Asset.objects.filter(pk=asset_id).first()
        if asset is None:
            logger.info("asset %s no longer exists; nothing to do", asset_id)
            return None

        return _run_steps(asset)


def _run_steps(asset):
    started = time.monotonic()
    todo = pending_steps(asset)
    if todo:
        _set_status(asset, Asset.Status.PROCESSING, "")

    for step in todo:
        failure = run_step(asset, step)
        if failure is not None:
            _set_status(asset, Asset.Status.FAILED, failure)
            logger.warning(
                "asset %s failed at %s in %d ms: %s",
                asset.id, step.name, (time.monotonic() - started) * 1000, failure,
            )
            return asset.status

    required = [step.name for step in steps_for(asset) if step.required]
    waiting = IngestStep.objects.filter(
        asset=asset, name__in=required, state=IngestStep.State.WAITING
    ).exists()
    _set_status(asset, Asset.Status.PENDING if waiting else Asset.Status.READY, "")

    logger.info(
        "asset %s %s after %d steps in %d ms",
        asset.id, asset.status, len(todo), (time.monotonic() - started) * 1000,
    )
    return asset.status


def run_step(asset, step):
    """Run one step and record its outcome; return a failure reason or None.

    MediaError fails the step; StepDeferred leaves it waiting (not a
    failure). Other exceptions propagate for the task to retry.
    """
    function = import_string(step.function)
    version = step.current_version()
    started_at = timezone.now()
    started = time.monotonic()

    state, error = IngestStep.State.DONE, ""
    try:
        function(asset)
    except MediaError as err:
        state, error = IngestStep.State.FAILED, str(err) or err.__class__.__name__
    except StepDeferred as err:
        state, error = IngestStep.State.WAITING, str(err)

    elapsed_ms = int((time.monotonic() - started) * 1000)
    IngestStep.objects.update_or_create(
        asset=asset,
        name=step.name,
        defaults={
            "state": state,
            "version": version,
            "error": error,
            "started_at": started_at,
            "finished_at": timezone.now(),
            "duration_ms": elapsed_ms,
        },
    )
    logger.debug("asset %s step %s %s in %d ms", asset.id, step.name, state, elapsed_ms)

    if state == IngestStep.State.WAITING and step.required:
        return None
    return error if state == IngestStep.State.FAILED else None


def _set_status(asset, status, error):
    asset.status = status
    asset.error = error
    Asset.objects.filter(pk=asset.pk).update(
        status=status, error=error, updated_at=timezone.now()
    )


def enqueue_ingest(asset_id):
    """Queue the pipeline for the asset once the current transaction commits."""
    from ingest.tasks import ingest_asset_task

    transaction.on_commit(lambda: ingest_asset_task.delay(str(asset_id)))


def retry_asset(asset):
    """Forget the asset's failed steps and queue it again."""
    with transaction.atomic():
        IngestStep.objects.filter(asset=asset).exclude(
            state=IngestStep.State.DONE
        ).delete()
        _set_status(asset, Asset.Status.PENDING, "")
        enqueue_ingest(asset.id)
