"""What a video's asset page shows of its moments.

The strip of sampled frames, and, when the page was opened from a search
(``?q=``, ``?similar=`` or ``?example=`` passed along by the result card),
the moments of the video that match that search, best first.
"""

import logging
import time
import uuid

import numpy as np
from django.db.models import F
from django.utils.http import urlencode

from moments.models import frame_url
from search.encoder import get_encoder
from search.models import Embedding
from search.moments import matching_moments
from search.views.page import SESSION_KEY
from search.weights import WeightsMissing

logger = logging.getLogger(__name__)

# Frames shown in the strip: four rows of four in the details column. A
# longer video shows frames spread evenly over its length.
STRIP_FRAMES = 16
# The parameters of a search that a result card passes to the asset page.
QUERY_PARAMETERS = ("q", "similar", "example")


def video_context(request, asset):
    """Template context for a video's asset page: "strip" and "moments"."""
    context = {"strip": strip(asset), "moments": [], "moments_query": ""}
    query = search_query(request.GET)
    if not query:
        return context

    started = time.monotonic()
    vector = query_vector(query, request.session)
    if vector is None:
        return context
    encoder = get_encoder()
    found = matching_moments(asset.id, vector, encoder.identity, encoder.dimension)
    context["moments"] = [
        {
            "time": moment.time,
            "similarity": moment.similarity,
            "image": frame_url(asset.id, moment.time),
        }
        for moment in found
    ]
    context["moments_query"] = query.get("q", "")
    logger.debug(
        "asset %s: %d matching moments in %d ms",
        asset.id,
        len(found),
        (time.monotonic() - started) * 1000,
    )
    return context


def strip(asset):
    """Up to STRIP_FRAMES of the video's frames, evenly spread, in order."""
    frames = list(asset.frames.order_by("time"))
    if len(frames) <= STRIP_FRAMES:
        return frames
    step = len(frames) / STRIP_FRAMES
    return [frames[int(index * step)] for index in range(STRIP_FRAMES)]


def search_query(params):
    """The search parameters present in ``params``, as a dict."""
    return {key: params[key] for key in QUERY_PARAMETERS if params.get(key, "").strip()}


def search_query_string(params):
    """``q=...`` (or similar, example) to carry a search to an asset page."""
    return urlencode(search_query(params))


def query_vector(query, session):
    """The unit vector of the search in ``query``, or None.

    None when the CLIP model is not installed, or the query names an asset
    without a vector or an example image no longer remembered.
    """
    try:
        encoder = get_encoder()
    except WeightsMissing:
        return None

    if query.get("q"):
        return encoder.embed_texts([query["q"].strip()])[0]
    if query.get("similar"):
        return _asset_vector(query["similar"], encoder.identity)

    stored = session.get(SESSION_KEY, {}).get(query.get("example", ""))
    if stored is None or stored.get("model") != encoder.identity:
        return None
    return np.asarray(stored["vector"], dtype=np.float32)


def _asset_vector(asset_id, model):
    try:
        asset_id = uuid.UUID(asset_id)
    except ValueError:
        return None
    stored = (
        Embedding.objects.filter(asset_id=asset_id, model=model)
        .order_by(F("time").asc(nulls_first=True))
        .first()
    )
    return None if stored is None else np.asarray(stored.vector, dtype=np.float32)
