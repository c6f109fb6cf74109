"""Manage the CLIP weights: see their state, download them, or import them."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from search.encoder import LOAD_ERRORS, ClipEncoder
from search.health import describe_clip
from search.weights import (
    WeightsMissing,
    clip_config,
    download_weights,
    install_weights,
)


class Command(BaseCommand):
    help = (
        "status: where the configured CLIP weights are. download: fetch them "
        "(needs internet). import PATH: install a checkpoint file copied from "
        "another machine into the data dir, where the settings then find it."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "download", "import"])
        parser.add_argument("path", nargs="?", help="checkpoint file, for import")
        parser.add_argument("--json", action="store_true", help="status as JSON")

    def handle(self, *args, action, path=None, **options):
        if action == "status":
            return self.status(options["json"])
        if action == "download":
            return self.download()
        if not path:
            raise CommandError("import needs the path of a checkpoint file.")
        return self.import_file(Path(path))

    def status(self, as_json):
        state = describe_clip()
        if as_json:
            self.stdout.write(json.dumps(state, indent=2))
            return
        self.stdout.write("model:   %s" % state["model"])
        if state["ready"]:
            self.stdout.write(self.style.SUCCESS("weights: %s" % state["weights"]))
        else:
            self.stdout.write(
                self.style.WARNING("weights: missing: %s" % state["error"])
            )
            self.stdout.write("fix:     %s" % state["fix"])

    def download(self):
        config = clip_config()
        self.stdout.write("Downloading the weights of %s ..." % config.identity)
        try:
            path = download_weights(config)
        except WeightsMissing as err:
            raise CommandError("%s (%s)" % (err, err.fix)) from err
        except (OSError, RuntimeError) as err:
            raise CommandError(
                "Download failed: %s. On a machine without internet, download "
                "there and run: python manage.py clip_model import PATH" % err
            ) from err
        self.stdout.write(self.style.SUCCESS("Weights at %s" % path))

    def import_file(self, source):
        config = clip_config()
        if config.pretrained_is_file:
            raise CommandError(
                "DAM_CLIP_PRETRAINED names a file (%s); point it at the new file "
                "instead, or set it to a tag to import under." % config.pretrained
            )
        if not source.is_file():
            raise CommandError("%s is not a file." % source)

        self.stdout.write("Checking that %s loads as %s ..." % (source, config.model))
        try:
            ClipEncoder(config, source).load()
        except (WeightsMissing, *LOAD_ERRORS) as err:
            raise CommandError(
                "%s is not a %s checkpoint: %s" % (source, config.model, err)
            ) from err

        target = install_weights(source, config)
        self.stdout.write(
            self.style.SUCCESS("Installed as %s for %s" % (target, config.identity))
        )
