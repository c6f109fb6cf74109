"""The "metadata" step: size, EXIF, GPS, capture time and captions."""

import logging
import time

from dam.models import Asset
from ingest import imaging
from ingest.descriptive import descriptive_fields
from ingest.exif import camera_name, captured_at, exif_fields, gps_position

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 255
CAMERA_MAX_LENGTH = 200


def read_metadata(asset):
    """Read what the file says about itself into the asset and save it.

    Width and height are as displayed (after the EXIF orientation). A title
    or description that the asset already has is never overwritten.
    """
    if asset.kind == "video":
        from ingest.video import read_video_metadata

        return read_video_metadata(asset)

    started = time.monotonic()
    with imaging.opened(asset) as image:
        width, height = imaging.displayed_size(image)
        exif, gps = _exif(image, asset.id)
        described = descriptive_fields(image, asset.id)
        profile = image.info.get("icc_profile")
        summary = {
            "format": image.format,
            "mode": image.mode,
            "frames": getattr(image, "n_frames", 1),
            "orientation": imaging.orientation(image),
            "color_profile": imaging.profile_description(profile),
        }

    summary.update(exif=exif, gps=gps, keywords=described["keywords"])
    asset.width, asset.height = width, height
    asset.metadata = {**asset.metadata, **summary}
    asset.captured_at = captured_at(exif)
    asset.camera = camera_name(exif)[:CAMERA_MAX_LENGTH]
    asset.save(
        update_fields=[
            "width", "height", "metadata", "captured_at", "camera", "updated_at"
        ]
    )
    _fill_in_blank(asset, "title", described["title"][:TITLE_MAX_LENGTH])
    _fill_in_blank(asset, "description", described["description"])

    logger.debug(
        "asset %s metadata read (%dx%d) in %d ms",
        asset.id, width, height, (time.monotonic() - started) * 1000,
    )


def _exif(image, asset_id):
    """Return (fields, gps) of the image's EXIF; empty when it is damaged."""
    try:
        exif = image.getexif()
        return exif_fields(exif), gps_position(exif)
    except imaging.DECODE_ERRORS as err:
        logger.warning("asset %s: EXIF unreadable, skipped: %s", asset_id, err)
        return {}, None


def _fill_in_blank(asset, field, value):
    """Set ``field`` to ``value`` only where it is still blank.

    There is a race between this step and a user editing the asset: the
    condition is checked in the UPDATE itself, so an edit made while the
    file was being read is never overwritten.
    """
    if not value:
        return
    updated = Asset.objects.filter(pk=asset.pk, **{field: ""}).update(**{field: value})
    if updated:
        setattr(asset, field, value)
