"""Video assets in the ingest pipeline: their metadata and their poster frame.

The metadata step calls ``read_video_metadata``; the renditions step makes
the poster, preview and thumbnail from ``poster_frame``. Facts come from
PyAV (ingest.video_probe), pictures from ffmpeg (ingest.video_frames).
"""

import logging
import time
from contextlib import closing
from datetime import UTC, datetime

from django.utils import timezone
from PIL import Image

from ingest.errors import MediaError
from ingest.originals import local_original
from ingest.video_frames import bounded_size, frames
from ingest.video_probe import probe

logger = logging.getLogger(__name__)

# The poster is taken at 1 s, or at a tenth of a shorter video, past the
# black or the title that videos often open with.
POSTER_AT_S = 1.0
POSTER_AT_SHARE = 0.1
# Largest poster side: the preview and thumbnail are made from the poster,
# and 1920 px covers a full-HD screen.
POSTER_LONGEST = 1920
# When the poster frame is black (a fade in), frames POSTER_STEP_S apart are
# tried after it, up to POSTER_CANDIDATES in all.
POSTER_STEP_S = 1.0
POSTER_CANDIDATES = 5
# Mean RGB value under which a frame counts as black. Video black is 16 in
# limited range, 0 once converted to RGB; 10 leaves room for encoder noise.
BLACK_MEAN = 10

# Cameras whose clock was never set write the epoch of their format (1904
# for QuickTime, 1970 for Unix): such a date says nothing.
EARLIEST_CAPTURE_YEAR = 1971


def read_video_metadata(asset):
    """Read the video's size, length and stream facts onto the asset; save.

    Width and height are as displayed, duration in seconds; frame rate,
    codecs, rotation and bit rate go to ``asset.metadata["video"]``, the
    container's creation time to ``captured_at``. Raises MediaError for a
    file without a picture, empty, damaged or cut off.
    """
    started = time.monotonic()
    with local_original(asset) as path:
        info = probe(path, check_length=True)

    asset.width, asset.height, asset.duration = info.width, info.height, info.duration
    asset.metadata = {**asset.metadata, "video": info.as_metadata()}
    fields = ["width", "height", "duration", "metadata", "updated_at"]
    captured_at = capture_time(info.creation_time)
    if captured_at is not None:
        asset.captured_at = captured_at
        fields.append("captured_at")
    asset.save(update_fields=fields)

    logger.debug(
        "asset %s video %dx%d, %.2f s, %s read in %d ms",
        asset.id, info.width, info.height, info.duration, info.video_codec,
        (time.monotonic() - started) * 1000,
    )


def capture_time(value):
    """Return the container's creation time as an aware datetime, or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.year < EARLIEST_CAPTURE_YEAR:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def poster_frame(asset):
    """Return the video's representative frame as an upright RGB image.

    The frame is at full size, but no side is longer than POSTER_LONGEST.
    Raises MediaError when no frame can be decoded.
    """
    started = time.monotonic()
    with local_original(asset) as path:
        poster = poster_from_file(path)

    logger.debug(
        "asset %s poster %dx%d decoded in %d ms",
        asset.id, poster.width, poster.height, (time.monotonic() - started) * 1000,
    )
    return poster


def poster_from_file(path):
    """Return the representative frame of the video file at ``path``."""
    info = probe(path)
    size = bounded_size((info.width, info.height), POSTER_LONGEST)
    start = min(POSTER_AT_S, POSTER_AT_SHARE * info.duration)

    frame = _first_bright_frame(path, info.stream_index, size, start)
    if frame is None and start > 0:
        # A one-frame video has nothing after ``start``, nor has one whose
        # declared length is longer than its picture: take the opening.
        frame = _first_bright_frame(path, info.stream_index, size, 0.0)
    if frame is None:
        raise MediaError("No frame of the video could be decoded.")

    return Image.fromarray(frame, "RGB")


def _first_bright_frame(path, stream_index, size, start):
    """Return the first frame from ``start`` that is not black.

    Returns the first frame when all candidates are black, None when none
    could be decoded.
    """
    first = None
    candidates = frames(
        path, stream_index, size, start, every_s=POSTER_STEP_S, limit=POSTER_CANDIDATES
    )
    with closing(candidates):
        for frame in candidates:
            if frame.mean() >= BLACK_MEAN:
                return frame
            if first is None:
                first = frame
    return first
