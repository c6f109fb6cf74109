"""Running a search: by words, by an asset, or by an example image.

Each entry point gathers its signals (see search.ranking), blends them and
returns one page. Without the CLIP model, a search by words still answers
from the keyword signal and says that it did; a search by image cannot, and
says what fixes it.
"""

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Prefetch

from dam.models import Asset, Rendition
from search import keywords, moments
from search.backends import VectorQuery, get_backend
from search.encoder import get_encoder
from search.filters import SearchFilters, searchable_assets
from search.models import Embedding
from search.ranking import Signal, SignalHit, blend
from search.vectors import similarities_for
from search.weights import WeightsMissing

logger = logging.getLogger(__name__)

VECTOR_WEIGHT = 1.0
# A query word found in a name, title or keyword adds this much: twice the
# gap in CLIP ViT-B-32 text-to-image cosine between a matching photo and an
# unrelated one (about 0.1), so a file called like the query outranks a
# photo that merely resembles it.
KEYWORD_WEIGHT = 0.2


class SearchUnavailable(Exception):
    """This kind of search cannot run now; the message says why."""

    def __init__(self, message, fix=""):
        super().__init__(message)
        self.fix = fix


@dataclass
class SearchPage:
    results: list
    has_more: bool
    # "text", "keywords" (text without the model), "similar" or "image".
    mode: str
    notice: str = ""
    fix: str = ""
    signals: list = field(default_factory=list)


def search_text(text, filters=SearchFilters(), limit=24, offset=0):
    """A page of assets for words: CLIP similarity plus keyword matches."""
    started = time.monotonic()
    assets = searchable_assets(filters)
    wanted = offset + limit + 1
    # The keyword query runs in PostgreSQL while the text tower runs here.
    keyword_hits = _in_background(keywords.keyword_hits, text, assets, wanted)

    try:
        encoder = get_encoder()
    except WeightsMissing as err:
        signals = [_keyword_signal(keyword_hits.result())]
        page = _page(signals, limit, offset, mode="keywords")
        page.notice = (
            "Visual search is unavailable (%s); these results match names, "
            "titles, descriptions and keywords only." % err
        )
        page.fix = err.fix
        return page

    vector = encoder.embed_texts([text])[0]
    hits = _vector_hits(vector, encoder, assets, wanted)
    signals = [
        Signal("clip", VECTOR_WEIGHT, hits),
        _keyword_signal(keyword_hits.result()),
    ]
    _complete_vector_signal(signals, vector, encoder)

    page = _page(signals, limit, offset, mode="text")
    logger.info(
        "text search (%d words) answered %d results in %d ms",
        len(keywords.terms_of(text)),
        len(page.results),
        (time.monotonic() - started) * 1000,
    )
    return page


def _keyword_signal(hits):
    return Signal("keyword", KEYWORD_WEIGHT, keywords.as_signal_hits(hits))


_background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="search")


def _in_background(function, *args):
    """Run ``function`` in a search thread; a Future of its result.

    Inside a transaction (a test, a caller's atomic block) it runs here
    instead: another thread has its own connection and would not see the
    transaction's rows.
    """
    if connection.in_atomic_block:
        done = Future()
        done.set_result(function(*args))
        return done
    return _background.submit(_closing_connection(function), *args)


def _closing_connection(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            # A connection left open in an idle pool thread would outlive
            # its purpose (and block dropping a test database); opening
            # one over the local socket costs about 2 ms.
            connection.close()

    return run


def search_similar(asset_id, filters=SearchFilters(), limit=24, offset=0):
    """A page of assets that look like the given one (itself left out)."""
    encoder = _encoder_for("Finding similar assets")
    stored = (
        Embedding.objects.filter(asset_id=asset_id, model=encoder.identity)
        # the whole asset (a photo, a video's poster) before any moment
        .order_by(F("time").asc(nulls_first=True))
        .first()
    )
    if stored is None:
        raise SearchUnavailable(
            "This asset has no embedding from %s yet." % encoder.identity,
            "python manage.py reembed",
        )

    return search_vector(
        stored.vector,
        filters,
        limit,
        offset,
        exclude=(asset_id,),
        mode="similar",
        encoder=encoder,
    )


def search_image(image, filters=SearchFilters(), limit=24, offset=0):
    """A page of assets that look like an example image (a PIL image)."""
    return search_vector(embed_example(image), filters, limit, offset, mode="image")


def embed_example(image):
    """The unit vector of an example image, for searching by it."""
    encoder = _encoder_for("Searching by image")
    return encoder.embed_images([image])[0]


def _encoder_for(what):
    try:
        return get_encoder()
    except WeightsMissing as err:
        raise SearchUnavailable(
            "%s needs the CLIP model: %s" % (what, err), err.fix
        ) from err


def search_vector(
    vector,
    filters=SearchFilters(),
    limit=24,
    offset=0,
    exclude=(),
    mode="image",
    encoder=None,
):
    """A page of assets nearest to a query vector of the current model."""
    started = time.monotonic()
    encoder = encoder or _encoder_for("Searching by image")
    if len(vector) != encoder.dimension:
        raise SearchUnavailable(
            "The example was embedded with another model; drop the image again."
        )
    assets = searchable_assets(filters)
    hits = _vector_hits(vector, encoder, assets, offset + limit + 1, exclude)

    page = _page([Signal("clip", VECTOR_WEIGHT, hits)], limit, offset, mode=mode)
    logger.info(
        "%s search answered %d results in %d ms",
        mode,
        len(page.results),
        (time.monotonic() - started) * 1000,
    )
    return page


def _vector_hits(vector, encoder, assets, wanted, exclude=()):
    """One hit per asset, the ``wanted`` nearest; a video at its best moment."""
    query = VectorQuery(
        vector=vector,
        model=encoder.identity,
        dimension=encoder.dimension,
        assets=assets,
        limit=wanted,
        exclude_assets=tuple(exclude),
    )
    hits = moments.nearest_assets(get_backend(), query, wanted)
    hits = moments.with_moment_times(hits, vector, encoder.identity, encoder.dimension)
    return [
        SignalHit(
            asset_id=hit.asset_id,
            value=hit.similarity,
            time=hit.time,
            reason="",
        )
        for hit in hits
    ]


def _complete_vector_signal(signals, vector, encoder):
    """Give assets found only by words their CLIP similarity too.

    Without it, a keyword match outside the vector top-k would be scored
    as if it looked like nothing at all.
    """
    clip = signals[0]
    found = {hit.asset_id for hit in clip.hits}
    others = {hit.asset_id for signal in signals[1:] for hit in signal.hits} - found
    if not others:
        return

    extra = similarities_for(vector, encoder.identity, encoder.dimension, others)
    extra_hits = [
        SignalHit(asset_id=asset_id, value=value, time=moment)
        for asset_id, (moment, value) in extra.items()
    ]
    clip.hits.extend(
        moments.with_moment_times(
            extra_hits, vector, encoder.identity, encoder.dimension
        )
    )


def _page(signals, limit, offset, mode):
    ranked = blend(signals)
    window = ranked[offset : offset + limit]
    attach_assets(window)
    return SearchPage(
        results=window,
        has_more=len(ranked) > offset + limit,
        mode=mode,
        signals=[signal.name for signal in signals],
    )


def attach_assets(results):
    """Set ``result.asset`` (with renditions) for each result, in one query."""
    ids = [result.asset_id for result in results]
    assets = Asset.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.all())
    )
    by_id = {asset.pk: asset for asset in assets}
    for result in results:
        result.asset = by_id.get(result.asset_id)
