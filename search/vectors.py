"""Exact similarities for a few chosen assets, straight from PostgreSQL."""

from pgvector.django import CosineDistance

from search.models import Embedding


def similarities_for(vector, model, dimension, asset_ids):
    """{asset id: (time, cosine similarity)} of each asset's closest row.

    Exact (no index): meant for a handful of assets that another signal
    found, whichever vector backend is configured.
    """
    if not asset_ids:
        return {}

    rows = (
        Embedding.objects.filter(
            model=model, dimension=dimension, asset_id__in=asset_ids
        )
        .annotate(distance=CosineDistance("vector", [float(value) for value in vector]))
        .order_by("asset_id", "distance")
        .values_list("asset_id", "time", "distance")
    )
    best = {}
    for asset_id, moment, distance in rows:
        best.setdefault(asset_id, (moment, 1.0 - distance))
    return best
