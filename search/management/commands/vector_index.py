"""Rebuild the vector index of the configured model and backend."""

import time

from django.core.management.base import BaseCommand, CommandError

from search.backends import get_backend
from search.encoder import get_encoder
from search.pg_index import ensure_hnsw_index
from search.weights import WeightsMissing


class Command(BaseCommand):
    help = (
        "rebuild: recreate the index the configured vector backend searches "
        "(FAISS: from the vectors in PostgreSQL, dropping deleted ones; "
        "pgvector: make sure the model's HNSW index exists)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args, action, **options):
        try:
            encoder = get_encoder()
        except WeightsMissing as err:
            raise CommandError("%s Run: %s" % (err, err.fix)) from err

        started = time.monotonic()
        ensure_hnsw_index(encoder.identity, encoder.dimension)
        backend = get_backend()
        count = backend.rebuild(encoder.identity, encoder.dimension)
        self.stdout.write(
            "%s index of %s: %d vectors (%.1f s)"
            % (backend.name, encoder.identity, count, time.monotonic() - started)
        )
