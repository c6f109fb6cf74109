"""Nearest embeddings with an in-process FAISS HNSW index.

PostgreSQL stays the source of truth; the index is a cache of its vectors:

- Every query first asks the database which embedding ids it may return
  (the model's rows of the filtered assets). Ids the index lacks, whether
  stored since it was loaded or committed late by a slow transaction, are
  fetched and added right then: the index catches up incrementally, in
  every process, without any signal between processes.
- A deleted embedding is never among the allowed ids, so it cannot be
  returned; it stays in the index (HNSW cannot remove) until a rebuild.
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

    def add_missing(self, allowed):
        """Add the allowed ids that are not indexed yet; return how many."""
        missing = allowed[~np.isin(allowed, self.ids, assume_unique=True)]
        for start in range(0, len(missing), FETCH_BATCH):
            chunk = missing[start : start + FETCH_BATCH]
            rows = Embedding.objects.filter(id__in=chunk.tolist()).values_list(
                "id", "vector"
            )
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64)
            vectors = (
                np.stack([row[1] for row in rows]).astype(np.float32)
                if len(rows)
                else None
            )
            if vectors is not None:
                self.index.add_with_ids(vectors, ids)
                self.ids = np.union1d(self.ids, ids)
                self.unsaved += len(ids)

        if self.unsaved >= PERSIST_EVERY:
            self.save()
        return len(missing)

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
        """(ids, similarities) of the best ``wanted`` among ``allowed``."""
        import faiss

        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        params = faiss.SearchParametersHNSW(
            sel=faiss.IDSelectorBatch(allowed), efSearch=max(EF_SEARCH, wanted)
        )
        scores, ids = self.index.search(query, wanted, params=params)
        found = ids[0] >= 0
        ids, scores = ids[0][found], scores[0][found]

        # A selective filter can starve the graph walk: it then returns
        # fewer than asked although more are allowed. Score them exactly.
        if len(ids) < min(wanted, len(allowed)):
            vectors = self.index.reconstruct_batch(allowed)
            exact = vectors @ query[0]
            order = np.argsort(-exact, kind="stable")[:wanted]
            ids, scores = allowed[order], exact[order]
        return ids, scores


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
        embeddings = Embedding.objects.filter(
            model=query.model, dimension=query.dimension, asset__in=query.assets
        )
        if query.exclude_assets:
            embeddings = embeddings.exclude(asset_id__in=query.exclude_assets)
        allowed = np.sort(
            np.fromiter(embeddings.values_list("id", flat=True), dtype=np.int64)
        )
        wanted = query.offset + query.limit
        if not len(allowed) or not wanted:
            return []

        model_index = self._index(query.model, query.dimension)
        with model_index.lock:
            added = model_index.add_missing(allowed)
            ids, scores = model_index.search(query.vector, allowed, wanted)

        ids, scores = ids[query.offset :], scores[query.offset :]
        where = {
            row[0]: row[1:]
            for row in Embedding.objects.filter(id__in=ids.tolist()).values_list(
                "id", "asset_id", "time"
            )
        }
        logger.debug(
            "faiss %s: %d allowed, %d added, %d hits in %d ms",
            query.model,
            len(allowed),
            added,
            len(ids),
            (time.monotonic() - started) * 1000,
        )
        return [
            VectorHit(asset_id=where[i][0], time=where[i][1], similarity=float(score))
            for i, score in zip(ids.tolist(), scores.tolist())
            if i in where
        ]

    def rebuild(self, model, dimension):
        """Build the model's index afresh from PostgreSQL and save it."""
        path = index_path(model, dimension)
        path.unlink(missing_ok=True)
        fresh = _ModelIndex(model, dimension, path)
        ids = Embedding.objects.filter(model=model, dimension=dimension).values_list(
            "id", flat=True
        )
        with fresh.lock:
            fresh.add_missing(np.sort(np.fromiter(ids, dtype=np.int64)))
            fresh.save()
        with self._lock:
            self._indexes[path] = fresh
        return int(fresh.index.ntotal)
