"""Vector backends: where the nearest embeddings of a query vector are found.

The interface is deliberately small. A backend answers one question,
``search(query)``: the embeddings of ``query.model`` closest to
``query.vector`` (cosine), restricted to ``query.assets``, best first. The
filter is part of the search, not applied to a top-k afterwards, so a
narrow filter still fills its page. The database stays the source of
truth: a backend that keeps its own index (FAISS) catches up from
``search_embedding`` and may be rebuilt from it at any time with
``python manage.py vector_index rebuild``.

Backends: ``pgvector`` (default, HNSW inside PostgreSQL) and ``faiss``
(an in-process HNSW index persisted under the data dir), chosen with
DAM_VECTOR_BACKEND.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

BACKENDS = {
    "pgvector": "search.backends.pgvector.PgvectorBackend",
    "faiss": "search.backends.faiss.FaissBackend",
}


@dataclass(frozen=True)
class VectorQuery:
    """What to look for. ``vector`` is unit length, float32."""

    vector: Any
    model: str
    dimension: int
    # A queryset of dam.Asset: only their embeddings may be returned.
    assets: Any
    limit: int
    offset: int = 0
    exclude_assets: tuple = field(default=())


@dataclass(frozen=True)
class VectorHit:
    asset_id: Any
    time: float | None
    # Cosine similarity, -1..1 (1 is the same direction).
    similarity: float


class VectorBackend(Protocol):
    name: str

    def search(self, query: VectorQuery) -> list[VectorHit]:
        """Hits for the query, most similar first; at most ``limit``."""

    def rebuild(self, model: str, dimension: int) -> int:
        """Rebuild any index kept outside PostgreSQL; return its size."""


_instances = {}


def get_backend(name=None):
    """The configured backend (one instance per process)."""
    name = name or getattr(settings, "DAM_VECTOR_BACKEND", "pgvector")
    if name not in BACKENDS:
        raise ImproperlyConfigured(
            "DAM_VECTOR_BACKEND is %r; choose one of %s." % (name, ", ".join(BACKENDS))
        )
    if name not in _instances:
        _instances[name] = import_string(BACKENDS[name])()
    return _instances[name]
