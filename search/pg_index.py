"""One HNSW index per embedding model, created when the model is first used.

The dimension of the ``vector`` column follows the model, so the index can
not be declared in a migration: see search.models.Embedding for the design.
"""

import hashlib
import logging
import time

from django.db import connection

logger = logging.getLogger(__name__)

# pgvector's defaults (m=16, ef_construction=64): recall above 0.95 at
# ef_search 40 on CLIP vectors in pgvector's own benchmarks; tune here.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64


def index_name(model, dimension):
    """A stable, valid identifier for the (model, dimension) index."""
    digest = hashlib.sha1(("%s:%d" % (model, dimension)).encode()).hexdigest()[:12]
    return "search_embedding_hnsw_%s" % digest


def index_state(name):
    """'valid', 'invalid' (a failed concurrent build) or None when absent."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return "valid" if row[0] else "invalid"


def ensure_hnsw_index(model, dimension):
    """Create the model's HNSW index unless it exists; return its name.

    Outside a transaction the index is built CONCURRENTLY, so ingest keeps
    writing meanwhile; inside one (tests, a caller's atomic block) it is a
    plain build. There is a race between two workers storing the first
    vector of a new model at once: a session advisory lock on the index
    name makes the second wait and then find the index.
    """
    name = index_name(model, dimension)
    if index_state(name) == "valid":
        return name

    concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
    with connection.schema_editor(atomic=False) as editor:
        quoted_model = editor.quote_value(model)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        try:
            state = index_state(name)
            if state == "invalid":
                cursor.execute("DROP INDEX %sIF EXISTS %s" % (concurrently, name))
            if state != "valid":
                if concurrently == "":
                    # PostgreSQL will not index a table with deferred
                    # foreign-key checks pending in this transaction.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(
                    "CREATE INDEX %sIF NOT EXISTS %s ON search_embedding "
                    "USING hnsw ((vector::vector(%d)) vector_cosine_ops) "
                    "WITH (m = %d, ef_construction = %d) "
                    "WHERE model = %s AND dimension = %d"
                    % (
                        concurrently,
                        name,
                        dimension,
                        HNSW_M,
                        HNSW_EF_CONSTRUCTION,
                        quoted_model,
                        dimension,
                    )
                )
                logger.info(
                    "HNSW index %s for %s (%d dimensions) built in %d ms",
                    name,
                    model,
                    dimension,
                    (time.monotonic() - started) * 1000,
                )
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    return name
