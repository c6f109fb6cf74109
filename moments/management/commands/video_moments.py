"""Bring every video's frames, moments and playable copy up to date."""

from django.core.management.base import BaseCommand

from dam.models import Asset
from ingest.pipeline import pending_steps, run_pipeline

STEPS = {"frames", "moments", "playable"}


class Command(BaseCommand):
    help = (
        "Queue the ingest of each video whose frames, moment vectors or playable "
        "copy are missing or out of date (videos ingested before these steps "
        "existed, or before the sampling settings or the CLIP model changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--inline",
            action="store_true",
            help="run the pipeline here, one video after another, instead of queueing",
        )

    def handle(self, *args, inline, **options):
        from ingest.tasks import ingest_asset_task

        videos = Asset.objects.filter(kind=Asset.Kind.VIDEO).exclude(
            status=Asset.Status.FAILED
        )
        due = 0
        for asset in videos.order_by("pk").iterator():
            if not STEPS & {step.name for step in pending_steps(asset)}:
                continue
            due += 1
            if inline:
                status = run_pipeline(asset.id)
                self.stdout.write("%s: %s" % (asset, status))
            else:
                ingest_asset_task.delay(str(asset.id))

        verb = "processed" if inline else "queued"
        self.stdout.write("%d videos %s" % (due, verb))
