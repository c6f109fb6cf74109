"""A path on the local disk for an asset's original, whatever the storage.

Tools that run outside Python (ffmpeg) or that want a seekable file by name
(PyAV) need a path. The file system storage has one; any other storage (S3)
is copied to a temporary file for as long as the path is needed.
"""

import logging
import shutil
import tempfile
import time
from contextlib import contextmanager

from django.core.files.storage import FileSystemStorage

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024


@contextmanager
def local_original(asset):
    """Yield a local path to the asset's original; remove any copy after.

    Storage errors (a missing or unreadable original) propagate unchanged:
    they are not the file's fault and are worth a retry.
    """
    # Only the file system storage's paths are real: S3 has none, and the
    # in-memory storage answers with a path where nothing is.
    if isinstance(asset.original.storage, FileSystemStorage):
        yield asset.original.path
        return

    started = time.monotonic()
    with tempfile.NamedTemporaryFile(suffix=asset.file_suffix()) as copy:
        with asset.original.open("rb") as source:
            shutil.copyfileobj(source, copy, COPY_CHUNK_BYTES)
        copy.flush()
        logger.debug(
            "asset %s original copied to local disk in %d ms",
            asset.id, (time.monotonic() - started) * 1000,
        )
        yield copy.name
