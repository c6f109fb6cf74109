import os
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ingest.uploads import UploadRefused, ingest_file


def files_under(folder):
    """Every regular file below ``folder``, hidden ones excluded, sorted.

    Pipes, sockets and devices are left out: reading one would block or
    never end.
    """
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file():
                yield path


class Command(BaseCommand):
    help = (
        "Import every image and video below PATH. Files already in the library "
        "(same bytes) are skipped, so running it again imports nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", help="Record this username as the uploader.")

    def handle(self, path, user, **options):
        if not path.is_dir():
            raise CommandError("%s is not a folder." % path)
        uploader = None
        if user:
            uploader = get_user_model().objects.filter(username=user).first()
            if uploader is None:
                raise CommandError("No user named %r." % user)

        files = list(files_under(path))
        counts = Counter()
        refused = []
        for file_path in tqdm(files, desc="Importing", unit="file"):
            try:
                accepted = ingest_file(file_path, file_path.name, uploader)
            except UploadRefused as err:
                counts["refused"] += 1
                refused.append((file_path, str(err)))
                continue
            except OSError as err:
                counts["unreadable"] += 1
                refused.append((file_path, "Cannot read the file: %s" % err.strerror))
                continue
            counts["duplicate" if accepted.duplicate else "imported"] += 1

        for file_path, reason in refused:
            self.stderr.write("skipped %s: %s" % (file_path, reason))
        self.stdout.write(
            "Imported %d, already in the library %d, skipped %d of %d files."
            % (
                counts["imported"],
                counts["duplicate"],
                counts["refused"] + counts["unreadable"],
                len(files),
            )
        )
