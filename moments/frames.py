"""The "frames" step: a video's moments sampled, each kept as a small picture.

The pictures replace those of an earlier run (a change of the sampling
settings) in one transaction; the old files are deleted once it commits.
"""

import io
import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from ingest.originals import local_original
from ingest.video_probe import probe
from moments.models import VideoFrame
from moments.sampling import sample_frames, sampling_policy
from search.models import Embedding

logger = logging.getLogger(__name__)

# A 456x256 frame is about 20 kB at quality 80, and looks as good as the
# thumbnail it is shown as.
JPEG_OPTIONS = {"quality": 80}


def sample_video_frames(asset):
    """Pipeline step: sample the video and store a picture of each moment.

    Raises MediaError when ffmpeg cannot decode the video.
    """
    started = time.monotonic()
    policy = sampling_policy()
    frames = []
    try:
        with local_original(asset) as path:
            info = probe(path)
            for sampled in sample_frames(path, info, policy):
                frames.append(_saved_frame(asset, sampled))
        replace_frames(asset, frames)
    except BaseException:
        # Nothing refers to the files written so far.
        _delete_files([frame.image for frame in frames])
        raise

    logger.debug(
        "asset %s: %d frames of %.1f s sampled (%s) in %d ms",
        asset.id,
        len(frames),
        asset.duration or 0,
        policy.version,
        (time.monotonic() - started) * 1000,
    )


def _saved_frame(asset, sampled):
    """Write the frame's picture to storage; return its unsaved VideoFrame."""
    picture = Image.fromarray(sampled.pixels, "RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", **JPEG_OPTIONS)
    frame = VideoFrame(
        asset=asset, time=sampled.time, width=picture.width, height=picture.height
    )
    frame.image.save(
        "%09d.jpg" % round(sampled.time * 1000),
        ContentFile(buffer.getvalue()),
        save=False,
    )
    return frame


def replace_frames(asset, frames):
    """Make ``frames`` the asset's frames; forget the old ones and their vectors.

    The vectors of the old frames (of any model) are deleted with them: their
    times no longer name a frame. The "moments" step embeds the new ones.
    """
    with transaction.atomic():
        old = list(VideoFrame.objects.filter(asset=asset))
        VideoFrame.objects.filter(asset=asset).delete()
        Embedding.objects.filter(asset=asset, time__isnull=False).delete()
        VideoFrame.objects.bulk_create(frames)
        old_files = [frame.image for frame in old]
        transaction.on_commit(lambda: _delete_files(old_files))


def _delete_files(field_files):
    for field_file in field_files:
        try:
            field_file.delete(save=False)
        except OSError as err:
            # An orphaned file costs only space; the new frames are in place.
            logger.warning("frame picture %s not deleted: %s", field_file.name, err)
