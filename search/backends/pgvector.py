"""Nearest embeddings with pgvector's HNSW index, filters in the same query."""

import logging
import time

from django.conf import settings
from django.db import connection, transaction
from pgvector.django import CosineDistance

from search.backends import VectorHit
from search.models import Embedding, vector_of_dimension

logger = logging.getLogger(__name__)

# Candidate list of the graph walk: pgvector's default of 40 gave recall@10
# 0.91 at a million clustered 512-d vectors, 200 gave 0.96 at p95 6.7 ms
# (bench/search.py); DAM_HNSW_EF_SEARCH overrides it. Iterative scans fetch further batches
# while the filters reject rows, until the page is full.
EF_SEARCH = 200
# pgvector rejects ef_search above 1000.
MAX_EF_SEARCH = 1000


class PgvectorBackend:
    """HNSW search inside PostgreSQL; nothing to keep in sync."""

    name = "pgvector"

    def search(self, query):
        """Hits for the query, best first, filtered inside the index scan.

        With ``hnsw.iterative_scan = strict_order`` (pgvector 0.8) the index
        scan keeps going while the join to the filtered assets rejects
        rows, in exact distance order, so paging is stable. Should the scan
        stop at ``hnsw.max_scan_tuples`` before the page is full while more
        rows match, the page is computed again without the index.
        """
        started = time.monotonic()
        wanted = query.offset + query.limit
        ef_search = getattr(settings, "DAM_HNSW_EF_SEARCH", EF_SEARCH)
        rows = self._rows(query, indexed=True, ef_search=max(ef_search, wanted))

        if len(rows) < query.limit and self._matching(query) > query.offset + len(rows):
            logger.info(
                "hnsw scan of %s stopped early (%d of %d); exact search",
                query.model,
                len(rows),
                query.limit,
            )
            rows = self._rows(query, indexed=False)

        logger.debug(
            "pgvector %s: %d hits in %d ms",
            query.model,
            len(rows),
            (time.monotonic() - started) * 1000,
        )
        return [
            VectorHit(asset_id=asset_id, time=moment, similarity=1.0 - distance)
            for asset_id, moment, distance in rows
        ]

    def rebuild(self, model, dimension):
        """Nothing to rebuild: the index lives in PostgreSQL."""
        return self._candidates(model, dimension).count()

    def _candidates(self, model, dimension):
        return Embedding.objects.filter(model=model, dimension=dimension)

    def _filtered(self, query):
        embeddings = self._candidates(query.model, query.dimension).filter(
            asset__in=query.assets
        )
        if query.exclude_assets:
            embeddings = embeddings.exclude(asset_id__in=query.exclude_assets)
        return embeddings

    def _matching(self, query):
        return self._filtered(query).count()

    def _rows(self, query, indexed, ef_search=EF_SEARCH):
        vector = [float(value) for value in query.vector]
        # The cast matches the partial index's expression; without it the
        # planner cannot use the index and sorts every matching row.
        column = vector_of_dimension(query.dimension) if indexed else "vector"
        ranked = (
            self._filtered(query)
            .annotate(distance=CosineDistance(column, vector))
            .order_by("distance")
            .values_list("asset_id", "time", "distance")
        )
        page = ranked[query.offset : query.offset + query.limit]

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
                cursor.execute(
                    "SET LOCAL hnsw.ef_search = %d" % min(ef_search, MAX_EF_SEARCH)
                )
            return list(page)
