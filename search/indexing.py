"""Computing and storing the CLIP embeddings of assets.

An image is embedded from its preview rendition (its original while no
preview exists), a video from its poster for now. Frames of a video are
stored in the same table with their time, by the video frame step.
"""

import logging
import time

from django.db import transaction
from PIL import Image

from dam.models import Asset
from ingest.errors import MediaError, StepDeferred
from ingest.imaging import DECODE_ERRORS, decode, flattened, media_error
from search.encoder import get_encoder
from search.models import Embedding
from search.pg_index import ensure_hnsw_index
from search.weights import WeightsMissing

logger = logging.getLogger(__name__)

# Decoding at twice the model's input side (224 px for ViT-B-32) is plenty
# for CLIP and lets a large JPEG decode at 1/8 scale.
DECODE_SIDE = 448


class NoSourceImage(Exception):
    """The asset has nothing to embed yet (a video without its poster)."""


def source_file(asset):
    """The stored file to embed for the asset: rendition or original."""
    if asset.kind == Asset.Kind.VIDEO:
        poster = asset.rendition("poster")
        if poster is None:
            raise NoSourceImage("the video has no poster frame yet")
        return poster.file

    preview = asset.rendition("preview")
    return preview.file if preview is not None else asset.original


def open_rgb(field_file):
    """Decode a stored image to upright sRGB, about DECODE_SIDE px or more."""
    with field_file.open("rb") as handle:
        return decode_rgb(handle)


def decode_rgb(handle):
    """Decode an image from an open binary file; MediaError when it is bad.

    Storage errors (a missing file) are raised by the caller's ``open``, not
    here, so that they stay retryable.
    """
    try:
        image = Image.open(handle)
    except DECODE_ERRORS as err:
        raise media_error(err) from err
    with image:
        return flattened(decode(image, longest=DECODE_SIDE))


def store_embeddings(asset_id, encoder, moments):
    """Replace the asset's vectors of this model at the given times.

    ``moments`` is a list of (time or None, unit vector). A replaced row is
    deleted and inserted again rather than updated, so that its id changes
    and an outside index (FAISS) that catches up by id sees the new vector.
    """
    ensure_hnsw_index(encoder.identity, encoder.dimension)

    rows = [
        Embedding(
            asset_id=asset_id,
            time=moment,
            model=encoder.identity,
            dimension=encoder.dimension,
            vector=vector,
        )
        for moment, vector in moments
    ]
    times = [moment for moment, _ in moments]
    with transaction.atomic():
        existing = Embedding.objects.filter(asset_id=asset_id, model=encoder.identity)
        if None in times:
            existing.filter(time__isnull=True).delete()
        existing.filter(
            time__in=[moment for moment in times if moment is not None]
        ).delete()
        Embedding.objects.bulk_create(rows)
    return rows


def embed_asset(asset):
    """Pipeline step: embed the asset with the configured CLIP model.

    Waits (StepDeferred) while the model's weights are not installed or the
    video's poster is not made; a file that cannot be decoded is a
    MediaError.
    """
    started = time.monotonic()
    try:
        encoder = get_encoder()
    except WeightsMissing as err:
        raise StepDeferred("%s Run: %s" % (err, err.fix)) from err
    try:
        field_file = source_file(asset)
    except NoSourceImage as err:
        raise StepDeferred(str(err)) from err

    image = open_rgb(field_file)
    vector = encoder.embed_images([image])[0]
    store_embeddings(asset.id, encoder, [(None, vector)])

    logger.debug(
        "asset %s embedded with %s in %d ms",
        asset.id,
        encoder.identity,
        (time.monotonic() - started) * 1000,
    )


def embed_batch(assets, encoder):
    """Embed several assets in one forward pass; return (stored, skipped).

    An asset whose source cannot be read is skipped with a warning, so one
    bad file does not stop a re-embedding run.
    """
    images, kept, skipped = [], [], []
    for asset in assets:
        try:
            images.append(open_rgb(source_file(asset)))
            kept.append(asset)
        except (NoSourceImage, MediaError, OSError) as err:
            logger.warning("asset %s not embedded: %s", asset.id, err)
            skipped.append(asset)

    vectors = encoder.embed_images(images)
    for asset, vector in zip(kept, vectors):
        store_embeddings(asset.id, encoder, [(None, vector)])
    return kept, skipped
