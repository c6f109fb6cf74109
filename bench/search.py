"""Benchmark: vector search latency and recall, pgvector against FAISS.

For each size (synthetic clustered 512-d unit vectors, see
bench/search_data.py) the vectors are stored as real dam_asset and
search_embedding rows, in a database of their own under var/bench-search,
then searched one query at a time, as a user's search is:

- exact: numpy, a matrix product and argpartition; the ground truth;
- pgvector: the project's HNSW index (search.pg_index) queried through the
  project's backend (search.backends.pgvector) with a VectorQuery;
- faiss backend's graph: the index that ``vector_index rebuild`` makes for
  the project's FAISS backend, searched directly;
- faiss graph, one add(): the same M and efConstruction, built from the
  numpy array in one call, to tell FAISS from the way the backend builds;
- faiss backend: the project's FAISS backend end to end (it asks
  PostgreSQL for the allowed ids on every query);
- pgvector, the FAISS backend and exact with a narrow filter (kind=video,
  1% of the assets).

Then GET /api/search/?q=... end to end through Django's test client, with a
ViT-B-32 of random weights (the same compute as the real one).

Rows and indexes are kept between runs: a size already stored is reused
(its build times are those measured when it was built) unless --fresh.
The first run at 1M builds for about 25 minutes on two cores.

    nice python bench/search.py [--sizes 10000,100000,1000000]
        [--ef 40,64,100,200,400] [--queries 500] [--http-size 100000] [--fresh]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where this file
# would shadow the search app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.clip_random import use_random_clip  # noqa: E402

DATA_DIR, CHECKPOINT = use_random_clip(ROOT, "bench-search")
# A server sized for a million vectors: the HNSW index (about 2.6 GB at 1M)
# must sit in shared_buffers, and its build in maintenance_work_mem.
os.environ.setdefault("DAM_PG_SHARED_BUFFERS", "6GB")
os.environ.setdefault("DAM_PG_MAINTENANCE_WORK_MEM", "5GB")
os.environ.setdefault("DAM_PG_EFFECTIVE_CACHE_SIZE", "12GB")
os.environ.setdefault("DAM_VECTOR_BACKEND", "pgvector")

import numpy as np  # noqa: E402

from bench import search_data  # noqa: E402
from bench.search_http import measure_http  # noqa: E402
from bench.search_store import (  # noqa: E402
    blocks_read,
    faiss_folder,
    prepare,
    prewarm,
    server_settings,
    use_database,
    use_faiss_folder,
)
from bench.timing import load, percentiles, progress  # noqa: E402

K = 10


def recall(found, truth):
    """Mean share of the true top K found, over the queries."""
    shares = [len(set(f[:K]) & set(t[:K])) / K for f, t in zip(found, truth)]
    return float(np.mean(shares))


# Measurements.


def exact_top(vectors, query_vectors, allowed=None):
    """True top K row indexes per query (numpy, in chunks of 100 queries)."""
    rows = vectors if allowed is None else vectors[allowed]
    tops = []
    for start in range(0, len(query_vectors), 100):
        scores = query_vectors[start : start + 100] @ rows.T
        best = np.argpartition(-scores, K, axis=1)[:, :K]
        ranked = np.take_along_axis(
            best, np.argsort(-np.take_along_axis(scores, best, 1), axis=1), 1
        )
        tops.extend(ranked if allowed is None else allowed[ranked])
    return tops


def time_exact(vectors, query_vectors, allowed=None):
    """Latencies of one query at a time, exact; returns (seconds, tops)."""
    rows = vectors if allowed is None else vectors[allowed]
    seconds, tops = [], []
    for vector in query_vectors:
        started = time.perf_counter()
        scores = rows @ vector
        best = np.argpartition(-scores, K)[:K]
        best = best[np.argsort(-scores[best])]
        seconds.append(time.perf_counter() - started)
        tops.append(best if allowed is None else allowed[best])
    return seconds, tops


def vector_query(dataset, vector, kind=""):
    from search.backends import VectorQuery
    from search.filters import SearchFilters, searchable_assets

    return VectorQuery(
        vector=vector, model=dataset.model, dimension=512,
        assets=searchable_assets(SearchFilters(kind=kind)), limit=K,
    )


def time_backend(backend, dataset, query_vectors, kind=""):
    """(seconds, tops, page sizes) of backend.search, one query at a time."""
    seconds, tops, sizes = [], [], []
    for vector in query_vectors:
        query = vector_query(dataset, vector, kind)
        started = time.perf_counter()
        hits = backend.search(query)
        seconds.append(time.perf_counter() - started)
        tops.append([search_data.index_of(hit.asset_id) for hit in hits])
        sizes.append(len(hits))
    return seconds, tops, sizes


def planned_scan(dataset, vector, kind, ef):
    """'hnsw' when PostgreSQL plans the query with the HNSW index, else 'exact'.

    The query is the one search.backends.pgvector runs; pgvector's cost
    estimate depends on ef_search, so the plan may change along a row.
    """
    from django.db import connection, transaction
    from pgvector.django import CosineDistance

    from search.models import Embedding, vector_of_dimension
    from search.pg_index import index_name

    query = vector_query(dataset, vector, kind)
    values = [float(value) for value in vector]
    ranked = (
        Embedding.objects.filter(model=query.model, dimension=512)
        .filter(asset__in=query.assets)
        .annotate(distance=CosineDistance(vector_of_dimension(512), values))
        .order_by("distance")
        .values_list("asset_id", "time", "distance")[:K]
    )
    sql, params = ranked.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
        cursor.execute("SET LOCAL hnsw.ef_search = %d" % ef)
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return "hnsw" if index_name(dataset.model, 512) in str(plan) else "exact"


def time_faiss_index(graph, query_vectors, ef, threads=1, offset=1):
    """(seconds, tops) of a FAISS graph alone, row indexes = ids - offset.

    The backend's ids are embedding ids; rows were copied in order with a
    fresh identity, so id = row index + 1.

    One OpenMP thread by default: a user's search is one query, and on a
    busy machine FAISS's threads wait for each other at every query (p50
    0.2 ms with one thread, 8 ms with two, measured here at 100k while
    other work ran).
    """
    import faiss

    default_threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads or default_threads)
    params = faiss.SearchParametersHNSW(efSearch=ef)
    seconds, tops = [], []
    try:
        for vector in query_vectors:
            started = time.perf_counter()
            _, ids = graph.search(vector[None, :], K, params=params)
            seconds.append(time.perf_counter() - started)
            tops.append(ids[0][ids[0] >= 0] - offset)
    finally:
        faiss.omp_set_num_threads(default_threads)
    return seconds, tops


class Results:
    """Result rows of one size: (size, engine, ef, build s, p50 ms, p95 ms,
    recall@10, queries, note)."""

    def __init__(self, size):
        self.size = size
        self.rows = []

    def add(self, engine, ef, build, seconds, tops, expected, sizes=None, note=""):
        p50, p95 = percentiles(seconds)
        if sizes is not None:
            full = "%d/%d pages full" % (sum(size == K for size in sizes), len(sizes))
            note = ", ".join(part for part in (full, note) if part)
        self.rows.append((self.size, engine, ef, build, p50, p95,
                          recall(tops, expected), len(seconds), note))


def one_add_graph(args, dataset, vectors):
    """A FAISS HNSW graph with the backend's M and efConstruction, built from
    every vector in one add() call (the backend adds 5000 at a time).

    Returns (graph, build seconds); kept next to the backend's file.
    """
    import faiss

    from search.backends import faiss as faiss_backend

    folder = faiss_folder(DATA_DIR, dataset)
    path = folder / ("one-add-m%d-efc%d.faiss" % (
        faiss_backend.HNSW_M, faiss_backend.EF_CONSTRUCTION
    ))
    manifest = search_data.read_manifest(DATA_DIR, dataset)
    if path.exists() and "faiss_one_add_build_s" in manifest and not args.fresh:
        return faiss.read_index(str(path)), manifest["faiss_one_add_build_s"]

    progress("%d: building a FAISS graph in one add()" % dataset.size)
    graph = faiss.IndexHNSWFlat(512, faiss_backend.HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = faiss_backend.EF_CONSTRUCTION
    started = time.perf_counter()
    graph.add(vectors)
    seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    faiss.write_index(graph, str(path))
    search_data.write_manifest(DATA_DIR, dataset, faiss_one_add_build_s=seconds)
    return graph, seconds


def measure_faiss(args, dataset, results, vectors, query_vectors, warmup, truth):
    """The backend's graph alone, a graph built in one add(), the backend."""
    from search.backends import faiss as faiss_backend
    from search.backends import get_backend

    backend = get_backend("faiss")
    manifest = search_data.read_manifest(DATA_DIR, dataset)
    graph = backend._index(dataset.model, 512).index
    engine = "faiss backend's graph"
    time_faiss_index(graph, warmup, max(args.ef))
    for ef in args.ef:
        seconds, tops = time_faiss_index(graph, query_vectors, ef)
        results.add(engine, ef, manifest["faiss_build_s"], seconds, tops, truth,
                    note="1 thread, M=%d" % faiss_backend.HNSW_M)
    seconds, tops = time_faiss_index(graph, query_vectors, faiss_backend.EF_SEARCH, 0)
    results.add(engine, faiss_backend.EF_SEARCH, None, seconds, tops, truth,
                note="OpenMP default, %d threads" % os.cpu_count())
    if args.backend_queries:
        few = query_vectors[: args.backend_queries]
        for ef in args.backend_ef:
            faiss_backend.EF_SEARCH = ef
            seconds, tops, sizes = time_backend(backend, dataset, few)
            results.add("faiss backend", ef, None, seconds, tops, truth, sizes)
            seconds, tops, sizes = time_backend(backend, dataset, few, kind="video")
            results.add("faiss backend, video 1%", ef, None, seconds, tops,
                        truth.videos, sizes)
    del graph
    backend._indexes.clear()

    graph, build = one_add_graph(args, dataset, vectors)
    time_faiss_index(graph, warmup, max(args.ef), offset=0)
    for ef in args.ef:
        seconds, tops = time_faiss_index(graph, query_vectors, ef, offset=0)
        results.add("faiss graph, one add()", ef, build, seconds, tops, truth,
                    note="1 thread, M=%d" % faiss_backend.HNSW_M)


def measure_pgvector(args, dataset, results, query_vectors, warmup, truth):
    """The project's pgvector backend, without and with the video filter."""
    from django.conf import settings

    from search.backends import get_backend

    before = blocks_read()
    pages, warm_s = prewarm(dataset, warmup[0])
    progress("%d: prewarm walked the %d-page index in %.1f s, %d blocks read" % (
        dataset.size, pages, warm_s, blocks_read() - before
    ))
    backend = get_backend("pgvector")
    build = search_data.read_manifest(DATA_DIR, dataset)["pgvector_build_s"]
    time_backend(backend, dataset, warmup)
    for kind, engine, expected in (("", "pgvector (m=16)", truth),
                                   ("video", "pgvector, video 1%", truth.videos)):
        for ef in args.ef:
            settings.DAM_HNSW_EF_SEARCH = ef
            before = blocks_read()
            seconds, tops, sizes = time_backend(backend, dataset, query_vectors, kind)
            reads = (blocks_read() - before) / len(query_vectors)
            plan = planned_scan(dataset, query_vectors[0], kind, ef)
            results.add(engine, ef, None if kind else build, seconds, tops, expected,
                        sizes, note="%s, %.1f blocks read/query" % (plan, reads))
    del settings.DAM_HNSW_EF_SEARCH


class Truth(list):
    """Exact top K per query; ``videos``: the same among videos only."""

    videos = ()


def measure_size(args, dataset):
    """Build (or reuse) one size and return its result rows and manifest."""
    progress("%d: vectors" % dataset.size)
    vectors, cluster = search_data.load_vectors(DATA_DIR, dataset)
    use_database(dataset.database, args.fresh)
    use_faiss_folder(DATA_DIR, dataset)
    manifest = prepare(DATA_DIR, dataset, vectors, cluster, args.fresh)

    query_vectors, _ = search_data.queries(
        vectors, args.queries + args.warmup, dataset.seed
    )
    warmup, query_vectors = query_vectors[: args.warmup], query_vectors[args.warmup :]
    videos = np.flatnonzero(search_data.is_video(np.arange(dataset.size)))
    progress("%d: ground truth" % dataset.size)
    truth = Truth(exact_top(vectors, query_vectors))
    truth.videos = exact_top(vectors, query_vectors, videos)
    results = Results(dataset.size)

    exact = query_vectors[: args.exact_queries]
    seconds, tops = time_exact(vectors, exact)
    results.add("exact numpy", "-", None, seconds, tops, truth)
    seconds, tops = time_exact(vectors, exact, videos)
    results.add("exact numpy, video 1%", "-", None, seconds, tops, truth.videos)

    progress("%d: faiss" % dataset.size)
    measure_faiss(args, dataset, results, vectors, query_vectors, warmup, truth)
    progress("%d: pgvector" % dataset.size)
    measure_pgvector(args, dataset, results, query_vectors, warmup, truth)
    return results.rows, search_data.read_manifest(DATA_DIR, dataset)


def report(rows):
    header = "%9s  %-26s %4s %9s %8s %8s %9s %5s  %s"
    print(header % ("vectors", "engine", "ef", "build s", "p50 ms", "p95 ms",
                    "recall@10", "n", ""))
    for size, engine, ef, build, p50, p95, found, count, note in rows:
        print("%9d  %-26s %4s %9s %8.2f %8.2f %9.4f %5d  %s" % (
            size, engine, ef, "" if build is None else "%.1f" % build, p50, p95, found,
            count, note,
        ))


# Targets: recall@10 of at least 0.95 within this p95 (ms), at 1M vectors.
TARGETS = (
    ("faiss backend's graph", "1 thread", 2.0),
    ("faiss graph, one add()", "1 thread", 2.0),
    ("pgvector (m=16)", "", 10.0),
)


def report_targets(rows):
    """For each size and engine: the first ef reaching recall 0.95, and its p95."""
    print("\nFirst ef_search with recall@10 >= 0.95, and its p95 (target at 1M):")
    for size in sorted({row[0] for row in rows}):
        for prefix, note, limit in TARGETS:
            good = [
                row for row in rows
                if row[0] == size and row[1].startswith(prefix)
                and row[8].startswith(note) and row[6] >= 0.95
            ]
            if not good:
                print("  %9d  %-22s never (raise --ef)" % (size, prefix))
                continue
            first = min(good, key=lambda row: int(row[2]))
            verdict = "met" if first[5] < limit else "NOT met"
            print("  %9d  %-22s ef %4s: recall %.4f, p95 %.2f ms (< %g ms: %s)" % (
                size, prefix, first[2], first[6], first[5], limit, verdict))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated vector counts (default 10k, 100k, 1M)")
    parser.add_argument("--ef", default="40,64,100,200,400",
                        help="ef_search values (default 40,64,100,200,400)")
    parser.add_argument("--queries", type=int, default=500, help="timed queries (500)")
    parser.add_argument("--warmup", type=int, default=200,
                        help="untimed queries that warm the caches (200)")
    parser.add_argument("--exact-queries", type=int, default=50,
                        help="queries timed for exact numpy (50)")
    parser.add_argument("--backend-queries", type=int, default=50,
                        help="queries through the FAISS backend, 0 to skip (50)")
    parser.add_argument("--backend-ef", default="64",
                        help="ef_search values for the FAISS backend (64, its default)")
    parser.add_argument("--http-size", type=int, default=100000,
                        help="assets for the HTTP text search, 0 to skip (100000)")
    parser.add_argument("--http-requests", type=int, default=100, help="requests (100)")
    parser.add_argument("--fresh", action="store_true",
                        help="drop stored rows and indexes of these sizes and rebuild")
    args = parser.parse_args()
    started = time.perf_counter()
    args.ef = [int(value) for value in args.ef.split(",")]
    args.backend_ef = [int(value) for value in args.backend_ef.split(",")]
    sizes = [int(value) for value in args.sizes.split(",") if value]

    import django

    django.setup()
    from search.weights import clip_config

    model = clip_config().identity
    settings_found = server_settings()
    print("PostgreSQL under %s: %s" % (DATA_DIR, ", ".join(
        "%s %s" % item for item in settings_found.items()
    )))
    print("%d CPUs, load average %s; %d timed queries per row after %d warm-up "
          "queries; K=%d" % (os.cpu_count(), load(), args.queries, args.warmup, K),
          flush=True)

    rows, builds = [], {}
    for size in sizes:
        dataset = search_data.Dataset(size, model=model)
        size_rows, manifest = measure_size(args, dataset)
        rows.extend(size_rows)
        builds[size] = manifest
        print("\n%d vectors measured; load average %s" % (size, load()))
        report(size_rows)
        sys.stdout.flush()

    print("\nAll sizes:")
    report(rows)
    print("build s, measured when built: COPY of the rows; pgvector CREATE INDEX "
          "(m=16, ef_construction=64, 2 parallel workers); FAISS backend rebuild "
          "(vector_index rebuild: reads the vectors through the ORM, adds 5000 at a "
          "time); FAISS one add() of the numpy array:")
    for size, manifest in builds.items():
        print("  %9d  copy %.1f s, pgvector %.1f s, faiss backend %.1f s, "
              "faiss one add() %.1f s" % (
                  size, manifest["copy_s"], manifest["pgvector_build_s"],
                  manifest["faiss_build_s"], manifest["faiss_one_add_build_s"],
              ))
    report_targets(rows)

    if args.http_size:
        dataset = search_data.Dataset(args.http_size, model=model)
        if args.http_size not in sizes:
            vectors, cluster = search_data.load_vectors(DATA_DIR, dataset)
            use_database(dataset.database, args.fresh)
            use_faiss_folder(DATA_DIR, dataset)
            prepare(DATA_DIR, dataset, vectors, cluster, args.fresh)
        measure_http(args, DATA_DIR, CHECKPOINT, dataset)
    print("\ntotal run time %.0f s; load average %s" % (
        time.perf_counter() - started, load()
    ))


if __name__ == "__main__":
    main()
