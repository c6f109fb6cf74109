"""Video moments in search: a video is one result, at its best moment.

A video has a vector per sampled frame (``time`` in seconds) besides its
poster's (``time`` null). The rows nearest a query may be many frames of one
video, while a page wants distinct assets: rows are fetched in growing
windows until enough assets are found, and each asset keeps its best row.
When that row is the poster, which ranks the video as a whole but names no
time, the video is shown at its best-matching frame instead.
"""

import dataclasses
from dataclasses import dataclass

from pgvector.django import CosineDistance

from search.models import Embedding

# Rows fetched per wanted asset at first. A video whose frames crowd the top
# needs more: the window then grows fourfold, up to MAX_ROWS, where pgvector's
# iterative scan stops anyway (hnsw.max_scan_tuples is 20,000 by default).
ROWS_PER_ASSET = 4
WINDOW_GROWTH = 4
MAX_ROWS = 20_000

# The asset page lists at most this many moments of a video for a query...
MOMENTS_LISTED = 8
# ...each within this cosine similarity of the best one. For CLIP ViT-B-32 a
# matching picture scores about 0.1 above an unrelated one against a text
# query (see search.services.KEYWORD_WEIGHT); half that keeps near-matches.
MOMENT_MARGIN = 0.05


@dataclass(frozen=True)
class Moment:
    time: float  # seconds into the video
    similarity: float


def nearest_assets(backend, query, wanted):
    """The best VectorHit of each of the ``wanted`` nearest assets, in order.

    ``query.limit`` and ``query.offset`` are ignored: the rows are always
    read from the nearest on.
    """
    limit = wanted * ROWS_PER_ASSET
    while True:
        hits = backend.search(dataclasses.replace(query, limit=limit, offset=0))
        best = best_per_asset(hits)
        if len(best) >= wanted or len(hits) < limit or limit >= MAX_ROWS:
            return best[:wanted]
        limit = min(limit * WINDOW_GROWTH, MAX_ROWS)


def best_per_asset(hits):
    """The first (best) hit of each asset, keeping the order.

    A video whose best row is its poster takes the time of its best frame
    among ``hits``, if one is there.
    """
    best = {}
    for hit in hits:
        kept = best.get(hit.asset_id)
        if kept is None:
            best[hit.asset_id] = hit
        elif kept.time is None and hit.time is not None:
            best[hit.asset_id] = dataclasses.replace(kept, time=hit.time)
    return list(best.values())


def with_moment_times(hits, vector, model, dimension):
    """``hits`` with each untimed hit of a video at its best frame's time.

    Works on any frozen dataclass with ``asset_id`` and ``time``; photos,
    which have no frames, keep ``time`` None.
    """
    untimed = [hit.asset_id for hit in hits if hit.time is None]
    times = best_frame_times(vector, model, dimension, untimed)
    return [
        dataclasses.replace(hit, time=times[hit.asset_id])
        if hit.time is None and hit.asset_id in times
        else hit
        for hit in hits
    ]


def best_frame_times(vector, model, dimension, asset_ids):
    """{asset id: time of its frame nearest ``vector``} for those with frames.

    Exact, without the index: meant for the few videos of one page.
    """
    if not asset_ids:
        return {}
    rows = (
        _frames(model, dimension)
        .filter(asset_id__in=asset_ids)
        .annotate(distance=_distance_to(vector))
        .order_by("asset_id", "distance")
        .distinct("asset_id")
        .values_list("asset_id", "time")
    )
    return dict(rows)


def matching_moments(asset_id, vector, model, dimension):
    """The video's Moments that match ``vector`` best, best first.

    At most MOMENTS_LISTED, each within MOMENT_MARGIN of the best one.
    """
    rows = (
        _frames(model, dimension)
        .filter(asset_id=asset_id)
        .annotate(distance=_distance_to(vector))
        .order_by("distance", "time")
        .values_list("time", "distance")[:MOMENTS_LISTED]
    )
    moments = [
        Moment(time=moment, similarity=1.0 - distance) for moment, distance in rows
    ]
    if not moments:
        return []
    floor = moments[0].similarity - MOMENT_MARGIN
    return [moment for moment in moments if moment.similarity >= floor]


def _frames(model, dimension):
    return Embedding.objects.filter(
        model=model, dimension=dimension, time__isnull=False
    )


def _distance_to(vector):
    return CosineDistance("vector", [float(value) for value in vector])
