"""The text search of bench/search.py: GET /api/search/?q= end to end
through Django's test client, and its main parts alone."""

import time
from pathlib import Path

from bench import search_data
from bench.search_store import prewarm, use_database
from bench.timing import load, percentiles

TEXT_QUERIES = (
    "red bicycle on the beach", "dog in the snow", "sunset over the lake",
    "portrait of a woman", "crowd at a concert", "coffee on an office desk",
    "train station at night", "boat in the harbour", "green forest road",
    "family in the park", "yellow flower", "city street in the rain",
)
HTTP_TARGET_MS = 80


def measure_http(args, data_dir, checkpoint, dataset):
    """GET /api/search/?q= end to end, and its main parts alone."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.clip_random import ensure_random_checkpoint
    from search import keywords
    from search.backends import VectorQuery, get_backend
    from search.encoder import get_encoder
    from search.filters import SearchFilters, searchable_assets

    ensure_random_checkpoint(checkpoint)
    # WhiteNoise warns on every request while the folder is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    use_database(dataset.database, fresh=False)
    vectors, _ = search_data.load_vectors(data_dir, dataset)
    prewarm(dataset, vectors[0])
    user, _ = get_user_model().objects.get_or_create(username="bench")
    client = Client()
    client.force_login(user)
    encoder = get_encoder()

    def timed(call, count):
        seconds = []
        for number in range(count):
            text = TEXT_QUERIES[number % len(TEXT_QUERIES)]
            started = time.perf_counter()
            call(text)
            seconds.append(time.perf_counter() - started)
        return seconds

    def get(text):
        response = client.get("/api/search/", {"q": text})
        assert response.status_code == 200, response.content[:500]
        assert response.json()["mode"] == "text", response.json()

    assets = searchable_assets(SearchFilters())
    backend = get_backend()
    vector = encoder.embed_texts(["a photo"])[0]
    page = VectorQuery(
        vector=vector, model=encoder.identity, dimension=encoder.dimension,
        assets=assets, limit=25,
    )
    timed(get, 3)
    parts = {
        "GET /api/search/?q=": timed(get, args.http_requests),
        "  text tower alone": timed(lambda text: encoder.embed_texts([text]), 50),
        "  keyword signal alone": timed(
            lambda text: keywords.keyword_hits(text, assets, 25), 50
        ),
        "  vector signal alone": timed(lambda text: backend.search(page), 50),
    }
    print("\nText search over HTTP, %d assets, %s, %s backend at its default "
          "ef_search, page of 24; load average %s" % (
              dataset.size, encoder.identity, backend.name, load()))
    print("%-26s %8s %8s %5s" % ("", "p50 ms", "p95 ms", "n"))
    for name, seconds in parts.items():
        p50, p95 = percentiles(seconds)
        print("%-26s %8.1f %8.1f %5d" % (name, p50, p95, len(seconds)))
    p95 = percentiles(parts["GET /api/search/?q="])[1]
    verdict = "met" if p95 < HTTP_TARGET_MS else "NOT met"
    print("HTTP p95 %.0f ms at %d assets (target < %d ms at 100k assets: %s)" % (
        p95, dataset.size, HTTP_TARGET_MS, verdict))
