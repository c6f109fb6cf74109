"""The "moments" step: a CLIP vector for each sampled frame of a video.

The vectors go to search.Embedding beside the photos' (same table, same
index), each with its frame's ``time``, so one query ranks photos and the
moments of videos together.
"""

import logging
import time

from django.db import transaction

from ingest.errors import StepDeferred
from moments.sampling import sampling_version
from search.encoder import IMAGE_BATCH_SIZE, get_encoder
from search.indexing import open_rgb, store_embeddings
from search.models import Embedding
from search.pg_index import ensure_hnsw_index
from search.weights import WeightsMissing, model_identity

logger = logging.getLogger(__name__)


def moments_version():
    """Version of the moments step: the model and the frames it embeds."""
    return "%s; %s" % (model_identity(), sampling_version())


def embed_video_frames(asset):
    """Pipeline step: embed the video's frames with the configured CLIP model.

    Waits (StepDeferred) while the model's weights are not installed. The
    frame pictures are read and embedded a batch at a time.
    """
    started = time.monotonic()
    try:
        encoder = get_encoder()
    except WeightsMissing as err:
        raise StepDeferred("%s Run: %s" % (err, err.fix)) from err

    frames = list(asset.frames.order_by("time"))
    moments = []
    for start in range(0, len(frames), IMAGE_BATCH_SIZE):
        batch = frames[start : start + IMAGE_BATCH_SIZE]
        vectors = encoder.embed_images([open_rgb(frame.image) for frame in batch])
        moments.extend(zip([frame.time for frame in batch], vectors, strict=True))

    # Built outside the transaction below, so that the first vectors of a
    # new model do not hold a lock on the table while the index builds.
    ensure_hnsw_index(encoder.identity, encoder.dimension)
    with transaction.atomic():
        Embedding.objects.filter(
            asset=asset, model=encoder.identity, time__isnull=False
        ).delete()
        store_embeddings(asset.id, encoder, moments)

    logger.debug(
        "asset %s: %d moments embedded with %s in %d ms",
        asset.id,
        len(moments),
        encoder.identity,
        (time.monotonic() - started) * 1000,
    )
