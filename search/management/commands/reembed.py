"""Embed every asset that lacks a vector from the configured CLIP model."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dam.models import Asset
from ingest.models import IngestStep
from search.encoder import get_encoder
from search.indexing import embed_batch
from search.models import Embedding
from search.weights import WeightsMissing

# Assets per forward pass and per database round: 32 previews decode in
# ~1 s and embed in ~2 s with ViT-B-32 on two cores, so progress shows often.
BATCH_SIZE = 32


def missing_assets(model):
    """Assets (not failed) without a whole-asset vector from ``model``."""
    embedded = Embedding.objects.filter(
        asset=OuterRef("pk"), model=model, time__isnull=True
    )
    return (
        Asset.objects.exclude(status=Asset.Status.FAILED)
        .exclude(Exists(embedded))
        .prefetch_related("renditions")
        .order_by("pk")
    )


class Command(BaseCommand):
    help = (
        "Embed the assets that have no vector from the configured CLIP model "
        "(never embedded, or embedded with another model). Safe to stop and "
        "run again: it continues with what is still missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--prune",
            action="store_true",
            help="afterwards, delete the vectors of every other model",
        )

    def handle(self, *args, batch_size, prune, **options):
        from tqdm import tqdm

        try:
            encoder = get_encoder()
        except WeightsMissing as err:
            raise CommandError("%s Run: %s" % (err, err.fix)) from err

        todo = missing_assets(encoder.identity)
        total = todo.count()
        self.stdout.write("%d assets to embed with %s" % (total, encoder.identity))
        started = time.monotonic()
        stored = skipped = 0
        last = None
        with tqdm(total=total, unit="asset", disable=None) as progress:
            while True:
                # Keyset paging: assets skipped for a bad file are not
                # fetched again in this run.
                batch = todo.filter(pk__gt=last) if last else todo
                batch = list(batch[:batch_size])
                if not batch:
                    break
                kept, refused = embed_batch(batch, encoder)
                _mark_done(kept, encoder.identity)
                stored += len(kept)
                skipped += len(refused)
                last = batch[-1].pk
                progress.update(len(batch))

        if prune:
            deleted, _ = Embedding.objects.exclude(model=encoder.identity).delete()
            self.stdout.write("deleted %d vectors of other models" % deleted)
        self.stdout.write(
            "embedded %d, skipped %d in %.1f s"
            % (stored, skipped, time.monotonic() - started)
        )


def _mark_done(assets, version):
    """Record the embedding step as done, as the pipeline would."""
    now = timezone.now()
    for asset in assets:
        IngestStep.objects.update_or_create(
            asset=asset,
            name="embedding",
            defaults={
                "state": IngestStep.State.DONE,
                "version": version,
                "error": "",
                "started_at": now,
                "finished_at": now,
            },
        )
