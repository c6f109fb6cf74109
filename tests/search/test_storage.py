"""How embeddings are stored: one HNSW index per model, one row per moment."""

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction

from search.models import Embedding
from search.pg_index import index_name

pytestmark = pytest.mark.django_db


def index_definition(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def test_the_model_gets_its_own_hnsw_index_on_first_vector(clip, ingest_copy):
    name = index_name(clip, 128)

    asset = ingest_copy("photos/coffee.png")

    definition = index_definition(name)
    assert "USING hnsw (((vector)::vector(128)) vector_cosine_ops)" in definition
    assert (
        "WHERE (((model)::text = '%s'::text) AND (dimension = 128))" % clip
        in definition
    )
    stored = asset.embeddings.get()
    assert stored.time is None and stored.dimension == 128
    assert np.linalg.norm(stored.vector) == pytest.approx(1.0, abs=1e-5)


def test_one_row_per_asset_model_and_moment(clip, ingest_copy):
    asset = ingest_copy("photos/coffee.png")
    stored = asset.embeddings.get()

    # a second still-image row for the same model is refused (NULL times
    # count as equal), video moments at other times are not
    Embedding.objects.create(
        asset=asset, model=clip, dimension=128, vector=stored.vector, time=4.0
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Embedding.objects.create(
            asset=asset, model=clip, dimension=128, vector=stored.vector
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Embedding.objects.create(
            asset=asset, model=clip, dimension=64, vector=stored.vector, time=5.0
        )


def test_reingesting_replaces_the_vector(clip, ingest_copy):
    from ingest.models import IngestStep
    from ingest.pipeline import run_pipeline

    asset = ingest_copy("photos/coffee.png")
    first = asset.embeddings.get()
    IngestStep.objects.filter(asset=asset, name="embedding").delete()

    run_pipeline(asset.id)

    again = asset.embeddings.get()
    assert again.id != first.id
    assert np.allclose(again.vector, first.vector, atol=1e-5)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_index_is_built_concurrently(clip, ingest_copy):
    # given: what a worker does, in autocommit (CREATE INDEX CONCURRENTLY
    # fails inside a transaction block, so this path needs its own test)
    name = index_name(clip, 128)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS %s" % name)

    # when
    asset = ingest_copy("photos/coffee.png")

    # then
    assert asset.embeddings.count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c "
            "ON c.oid = i.indexrelid WHERE c.relname = %s",
            [name],
        )
        assert cursor.fetchone() == (True,)
