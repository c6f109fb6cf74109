"""Nearest embeddings with an in-process FAISS HNSW index.

PostgreSQL stays the source of truth; the index is a cache of its vectors:

- Before every query the index catches up: rows stored since it last
  looked (by id, with a look-back window for transactions that commit
  late) are fetched and added, in every process, without any signal
  between processes.
- A query walks the graph freely for a few pages' worth of hits and
  keeps those the filters allow (one query to the database). When a
  narrow filter leaves too few, it asks the database which embedding ids
  are allowed and walks again with only those. A hit whose row is gone
  (a deleted embedding stays in the graph until a rebuild, as HNSW cannot
  remove) is dropped by the same check.
- The index is written under DATA_DIR/search/faiss after every
  PERSIST_EVERY additions and by ``vector_index rebuild``, so a new process
  starts warm instead of re-reading every vector.

Vectors are unit length, so inner product is cosine similarity.
"""

import json
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings

from search.backends import VectorHit
from search.models import Embedding

logger = logging.getLogger(__name__)

# HNSW graph degree; 32 is FAISS's usual choice for 512-d CLIP vectors.
HNSW_M = 32
EF_CONSTRUCTION = 64
EF_SEARCH = 64
# Save the index after this many additions: a save rewrites the whole file
# (2 GB for a million 512-d vectors), so not after every new photo.
PERSIST_EVERY = 1000
# Vectors fetched from PostgreSQL per round while catching up.
FETCH_BATCH = 5000
# There is a race between ids being assigned and their transactions
# committing: a row with a lower id can become visible after a higher one
# was indexed. Each catch-up looks this many ids back for such rows.
LATE_COMMIT_WINDOW = 256
# A free walk asks this many times the page, plus a margin for deleted
# rows, before falling back to a walk restricted to the allowed ids.
OVERFETCH = 4
DELETED_MARGIN = 16


def index_dir():
    return Path(settings.DATA_DIR) / "search" / "faiss"


def index_path(model, dimension):
    slug = "".join(char if char.isalnum() or char in "-_." else "_" for char in model)
    return index_dir() / ("%s-%d.faiss" % (slug, dimension))


class _ModelIndex:
    """One model's FAISS index, the ids in it, and a lock around both."""

    def __init__(self, model, dimension, path):
        import faiss

        self.model, self.dimension, self.path = model, dimension, path
        self.lock = threading.Lock()
        self.unsaved = 0
        if path.exists():
            self.index = faiss.read_index(str(path))
            self.ids = np.sort(
                faiss.vector_to_array(self.index.id_map).astype(np.int64)
            )
            logger.info("faiss index %s loaded: %d vectors", path, self.index.ntotal)
        else:
            self.index = _empty_index(dimension)
            self.ids = np.zeros(0, dtype=np.int64)

    def catch_up(self):
        """Add the model's rows stored since the last look; return how many."""
        newest = int(self.ids[-1]) if len(self.ids) else 0
        rows = Embedding.objects.filter(
            model=self.model,
            dimension=self.dimension,
            id__gt=newest - LATE_COMMIT_WINDOW,
        ).order_by("id")
        candidates = np.fromiter(rows.values_list("id", flat=True), dtype=np.int64)
        missing = candidates[~np.isin(candidates, self.ids, assume_unique=True)]
        if not len(missing):
            return 0

        ids, vectors = _fetch_vectors(missing)
        self.index.add_with_ids(vectors, ids)
        self.ids = np.union1d(self.ids, ids)
        self.unsaved += len(ids)
        if self.unsaved >= PERSIST_EVERY:
            self.save()
        return len(ids)

    def fill(self, ids):
        """Add all ``ids`` in one call: HNSW graphs built by many small
        additions are measurably worse (recall 0.88 against 0.94 at 300k)."""
        import faiss

        ids, vectors = _fetch_vectors(ids)
        if len(ids):
            # Building the graph does use every core, unlike a query.
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            self.index.add_with_ids(vectors, ids)
        self.ids = np.sort(ids)

    def save(self):
        """Write the index next to its final name, then rename it there."""
        import faiss

        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial-%d" % os.getpid())
        faiss.write_index(self.index, str(partial))
        os.replace(partial, self.path)
        meta = {
            "model": self.model,
            "dimension": self.dimension,
            "count": int(self.index.ntotal),
        }
        self.path.with_suffix(".json").write_text(json.dumps(meta))
        self.unsaved = 0

    def search(self, vector, allowed, wanted):
        """(ids, similarities) of the best ``wanted`` among ``allowed``
        (None allows every id)."""
        import faiss

        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if allowed is None:
            params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, wanted))
        else:
            params = faiss.SearchParametersHNSW(
                sel=faiss.IDSelectorBatch(allowed), efSearch=max(EF_SEARCH, wanted)
            )
        # One query walks one path: extra OpenMP threads only spin, and
        # under load they made a 0.2 ms query take 8 ms here.
        faiss.omp_set_num_threads(1)
        scores, ids = self.index.search(query, wanted, params=params)
        found = ids[0] >= 0
        ids, scores = ids[0][found], scores[0][found]

        # A selective filter can starve the graph walk: it then returns
        # fewer than asked although more are allowed. Score them exactly.
        if allowed is not None and len(ids) < min(wanted, len(allowed)):
            vectors = self.index.reconstruct_batch(allowed)
            exact = vectors @ query[0]
            order = np.argsort(-exact, kind="stable")[:wanted]
            ids, scores = allowed[order], exact[order]
        return ids, scores


def _fetch_vectors(ids):
    """(ids, float32 vectors) of the embedding rows with those ids."""
    found_ids, vectors = [], []
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = [int(value) for value in ids[start : start + FETCH_BATCH]]
        for row_id, vector in Embedding.objects.filter(id__in=chunk).values_list(
            "id", "vector"
        ):
            found_ids.append(row_id)
            vectors.append(vector)
    if not found_ids:
        return np.zeros(0, dtype=np.int64), None
    return np.asarray(found_ids, dtype=np.int64), np.stack(vectors).astype(np.float32)


def _allowed_ids(query):
    """Sorted ids of the embeddings the query's filters allow."""
    embeddings = Embedding.objects.filter(
        model=query.model, dimension=query.dimension, asset__in=query.assets
    ).exclude(asset_id__in=query.exclude_assets)
    return np.sort(np.fromiter(embeddings.values_list("id", flat=True), dtype=np.int64))


def _filtered_hits(query, ids, scores):
    """VectorHits of the ids, in their order, that pass the query's filters.

    Rows deleted since they were indexed are not found, hence dropped.
    """
    if not len(ids):
        return []
    rows = (
        Embedding.objects.filter(id__in=ids.tolist(), asset__in=query.assets)
        .exclude(asset_id__in=query.exclude_assets)
        .values_list("id", "asset_id", "time")
    )
    where = {row_id: (asset_id, moment) for row_id, asset_id, moment in rows}
    return [
        VectorHit(asset_id=where[i][0], time=where[i][1], similarity=float(score))
        for i, score in zip(ids.tolist(), scores.tolist())
        if i in where
    ]


def _empty_index(dimension):
    import faiss

    graph = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = EF_CONSTRUCTION
    return faiss.IndexIDMap2(graph)


class FaissBackend:
    """HNSW search in this process, filtered by the ids PostgreSQL allows."""

    name = "faiss"

    def __init__(self):
        self._indexes = {}
        self._lock = threading.Lock()

    def _index(self, model, dimension):
        path = index_path(model, dimension)
        with self._lock:
            if path not in self._indexes:
                self._indexes[path] = _ModelIndex(model, dimension, path)
            return self._indexes[path]

    def search(self, query):
        started = time.monotonic()
        wanted = query.offset + query.limit
        if not wanted:
            return []
        model_index = self._index(query.model, query.dimension)

        # First a free walk of the graph, its hits checked against the
        # filters in one query: a broad filter (the usual one, "everything
        # but failed assets") keeps enough of them.
        asked = wanted * OVERFETCH + DELETED_MARGIN
        with model_index.lock:
            added = model_index.catch_up()
            ids, scores = model_index.search(query.vector, None, asked)
        hits = _filtered_hits(query, ids, scores)
        walk = "free"

        # A narrow filter leaves too few: walk again with only the ids it
        # allows, so that the page is still full and exact.
        if len(hits) < wanted and len(ids) == asked:
            allowed = _allowed_ids(query)
            with model_index.lock:
                ids, scores = model_index.search(query.vector, allowed, wanted)
            hits = _filtered_hits(query, ids, scores)
            walk = "%d allowed" % len(allowed)

        logger.debug(
            "faiss %s: %s walk, %d added, %d hits in %d ms",
            query.model, walk, added, len(hits), (time.monotonic() - started) * 1000,
        )
        return hits[query.offset : wanted]

    def rebuild(self, model, dimension):
        """Build the model's index afresh from PostgreSQL and save it."""
        path = index_path(model, dimension)
        path.unlink(missing_ok=True)
        fresh = _ModelIndex(model, dimension, path)
        ids = Embedding.objects.filter(model=model, dimension=dimension).values_list(
            "id", flat=True
        )
        with fresh.lock:
            fresh.fill(np.sort(np.fromiter(ids, dtype=np.int64)))
            fresh.save()
        with self._lock:
            self._indexes[path] = fresh
        return int(fresh.index.ntotal)
