"""CLIP embeddings of assets, for natural-language and image search."""

from django.db import models
from django.db.models.functions import Cast
from pgvector.django import VectorField


class Embedding(models.Model):
    """One CLIP vector of an asset (or of a moment of a video).

    Photos and video moments share this table so that one query ranks them
    together: a photo has one row with ``time`` null; a video has its poster
    (``time`` null) and may have one row per sampled frame (``time`` in
    seconds).

    The ``vector`` column has no fixed dimension because the dimension
    follows the configured model (512 for ViT-B-32, 768 for ViT-L-14, 128
    for the test model), and rows of the previous model stay until
    ``reembed --prune`` removes them. An HNSW index needs a fixed dimension,
    so each (model, dimension) gets its own partial expression index,
    ``USING hnsw ((vector::vector(D)) vector_cosine_ops) WHERE model = M AND
    dimension = D``, created when the model stores its first vector (see
    search.pg_index). Queries cast the same way and filter on the same
    columns, which is what lets PostgreSQL pick that index. One table with
    partial indexes was preferred to a table per dimension: the ORM, the
    unique constraint and the filters stay ordinary, and switching models
    needs no migration.
    """

    asset = models.ForeignKey(
        "dam.Asset", on_delete=models.CASCADE, related_name="embeddings"
    )
    time = models.FloatField(
        null=True,
        blank=True,
        help_text="Seconds into a video; empty for a still image.",
    )
    model = models.CharField(
        max_length=200, help_text="Model and weights, e.g. ViT-B-32/openai."
    )
    dimension = models.PositiveSmallIntegerField()
    vector = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "model", "time"],
                nulls_distinct=False,
                name="one_embedding_per_asset_model_time",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    dimension=models.Func(
                        "vector",
                        function="vector_dims",
                        output_field=models.IntegerField(),
                    )
                ),
                name="embedding_dimension_matches_vector",
            ),
        ]
        indexes = [models.Index(fields=["model", "dimension", "id"])]

    def __str__(self):
        moment = "" if self.time is None else " at %.2f s" % self.time
        return "%s of %s%s" % (self.model, self.asset_id, moment)


def vector_of_dimension(dimension):
    """The ``vector`` column cast to a fixed dimension, as the index is."""
    return Cast("vector", VectorField(dimensions=dimension))
