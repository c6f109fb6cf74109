"""Turning a received file into an Asset: checks, dedupe, storage, queueing."""

import hashlib
import logging
import os
import time
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

from dam.models import Asset
from ingest.formats import UnsupportedFormat, sniff
from ingest.pipeline import enqueue_ingest

logger = logging.getLogger(__name__)

HASH_CHUNK_BYTES = 1024 * 1024


class UploadRefused(ValueError):
    """The file is not accepted; the message says why, for the user."""


@dataclass
class Accepted:
    asset: Asset
    duplicate: bool


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_pixels(path):
    """Refuse images whose header declares more pixels than allowed.

    Only the header is read. A header Pillow cannot parse is let through:
    the pipeline reports the damaged file with its reason.
    """
    limit = settings.DAM_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
    except Image.DecompressionBombError as err:
        # Pillow refuses at twice its limit, before the size is known here.
        raise UploadRefused(
            "Image has far more pixels than the limit of %s; refused unread as "
            "a possible decompression bomb." % "{:,}".format(limit)
        ) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return

    if width * height > limit:
        raise UploadRefused(
            "Image is %d x %d = %s pixels; the limit is %s pixels."
            % (width, height, "{:,}".format(width * height), "{:,}".format(limit))
        )


def ingest_file(path, original_name, uploaded_by=None):
    """Store the file at ``path`` as a new asset and queue its processing.

    Returns ``Accepted`` with the existing asset and ``duplicate=True`` when
    the same bytes are already in the library. Raises UploadRefused when the
    file is too large, not a supported format, or a decompression bomb.
    """
    started = time.monotonic()
    byte_size = os.path.getsize(path)
    if byte_size > settings.DAM_MAX_UPLOAD_BYTES:
        raise UploadRefused(
            "File is larger than the %s limit." % filesizeformat(settings.DAM_MAX_UPLOAD_BYTES)
        )

    try:
        file_format = sniff(path)
    except UnsupportedFormat as err:
        raise UploadRefused(str(err)) from err
    if file_format.kind == Asset.Kind.IMAGE:
        check_pixels(path)

    sha256 = sha256_of(path)
    existing = Asset.objects.filter(sha256=sha256).first()
    if existing is not None:
        return Accepted(existing, duplicate=True)

    asset = Asset(
        original_name=os.path.basename(original_name)[:255] or "unnamed",
        kind=file_format.kind,
        mime_type=file_format.mime_type,
        byte_size=byte_size,
        sha256=sha256,
        uploaded_by=uploaded_by,
    )
    with open(path, "rb") as handle:
        asset.original.save(asset.original_name, File(handle), save=False)

    # There is a race between the lookup above and this insert when the
    # same file arrives twice at once: the unique sha256 decides, and the
    # loser removes its stored copy and answers with the winner.
    try:
        with transaction.atomic():
            asset.save()
            enqueue_ingest(asset.id)
    except IntegrityError:
        asset.original.delete(save=False)
        return Accepted(Asset.objects.get(sha256=sha256), duplicate=True)

    logger.info(
        "asset %s stored (%s, %d bytes) in %d ms",
        asset.id, file_format.label, byte_size, (time.monotonic() - started) * 1000,
    )
    return Accepted(asset, duplicate=False)
