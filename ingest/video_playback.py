"""The "playable" step: an MP4 that every browser plays, when the original
is not one.

Browsers agree on H.264 video (8-bit 4:2:0) with AAC or MP3 sound in MP4;
Chrome and Firefox also play VP8, VP9 and AV1 in WebM. Such an original is
served as it is. One whose picture is fine but whose container or sound is
not (H.264 in Matroska, PCM sound) is copied into an MP4 with its sound made
AAC, which costs about as much as reading the file. Anything else (HEVC,
ProRes, MPEG-4 Part 2, 10-bit H.264) is encoded again with x264.
"""

import logging
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from django.core.files import File
from django.db import DatabaseError

from dam.models import Rendition
from ingest.errors import MediaError
from ingest.originals import local_original
from ingest.video_frames import bounded_size, ffmpeg_path
from ingest.video_probe import probe

logger = logging.getLogger(__name__)

# Container (as sniffed at upload) -> (video codecs, sound codecs) that the
# main browsers play in it; None stands for a silent video.
PLAYABLE = {
    "video/mp4": ({"h264"}, {None, "aac", "mp3"}),
    "video/quicktime": ({"h264"}, {None, "aac", "mp3"}),
    "video/webm": ({"vp8", "vp9", "av1"}, {None, "vorbis", "opus"}),
}
# H.264 in other pixel formats (High 10, 4:2:2, 4:4:4) is refused by the
# browsers' hardware and software decoders alike; yuvj420p is 4:2:0 in full
# range, which they play.
H264_PIXEL_FORMATS = {"yuv420p", "yuvj420p"}

# The playable copy is at most full HD: larger gains little in a browser's
# player and costs encoding time on a small server.
LONGEST_SIDE = 1920
# x264's "veryfast" encodes 1080p at about 2x real time on two cores here;
# CRF 23 is its default quality, visually clean for a preview.
X264_OPTIONS = {"c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p"}
AAC_OPTIONS = {"c:a": "aac", "b:a": "128k"}
# Encoding a long 4K video runs several times its length on two cores; the
# limit only stops an ffmpeg that is stuck.
TIMEOUT_BASE_S = 300
TIMEOUT_PER_VIDEO_S = 20
ERROR_TAIL_BYTES = 4000


@dataclass(frozen=True)
class Plan:
    """What the original needs to play in a browser."""

    action: str  # "serve", "remux" or "encode"
    reason: str


def playback_plan(mime_type, info):
    """Decide, from the container and the codecs, how the video is played."""
    video_codecs, audio_codecs = PLAYABLE.get(mime_type, (set(), set()))
    video_ok = info.video_codec in video_codecs and (
        info.video_codec != "h264" or info.pixel_format in H264_PIXEL_FORMATS
    )
    if video_ok and info.audio_codec in audio_codecs:
        return Plan("serve", "browsers play %s with %s" % (mime_type, info.video_codec))

    h264_ok = info.video_codec == "h264" and info.pixel_format in H264_PIXEL_FORMATS
    if h264_ok:
        return Plan(
            "remux",
            "%s with %s sound is copied into MP4" % (mime_type, info.audio_codec),
        )
    return Plan(
        "encode",
        "%s video (%s) is encoded as H.264" % (info.video_codec, info.pixel_format),
    )


def make_playable(asset):
    """Pipeline step: make the "video" rendition unless the original plays.

    Raises MediaError when ffmpeg cannot convert the video.
    """
    if asset.rendition("video") is not None:
        return

    started = time.monotonic()
    with local_original(asset) as path:
        info = probe(path)
        plan = playback_plan(asset.mime_type, info)
        if plan.action == "serve":
            logger.debug("asset %s plays as it is: %s", asset.id, plan.reason)
            return

        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "video.mp4")
            size = _convert(path, target, info, plan)
            _save(asset, target, size)

    logger.debug(
        "asset %s playable copy made (%s) in %d ms",
        asset.id,
        plan.reason,
        (time.monotonic() - started) * 1000,
    )


def convert_command(source, target, info, plan):
    """The ffmpeg command line that writes the playable MP4 to ``target``."""
    command = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-i", "file:%s" % source, "-map", "0:%d" % info.stream_index]
    if info.audio_codec is not None:
        command += ["-map", "0:a:0"]

    if plan.action == "remux":
        command += ["-c:v", "copy"]
    else:
        width, height = _even(bounded_size((info.width, info.height), LONGEST_SIDE))
        # ffmpeg has turned the picture upright before this filter, so the
        # copy needs no rotation of its own.
        command += ["-vf", "scale=%d:%d,setsar=1" % (width, height)]
        command += [
            arg
            for key, value in X264_OPTIONS.items()
            for arg in ("-" + key, str(value))
        ]
    if info.audio_codec is not None:
        command += [
            arg for key, value in AAC_OPTIONS.items() for arg in ("-" + key, str(value))
        ]

    # The index goes first, so that playback starts before the whole file
    # has arrived.
    command += ["-movflags", "+faststart", "-f", "mp4", "file:%s" % target]
    return command


def _even(size):
    return tuple(max(2, side // 2 * 2) for side in size)


def _convert(source, target, info, plan):
    """Run ffmpeg; return the (width, height) of the copy."""
    timeout_s = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S * info.duration
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            convert_command(source, target, info, plan),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            returncode = process.wait()
            timed_out = watchdog.finished.is_set()
        finally:
            watchdog.cancel()
            process.kill()
            process.wait()
        if timed_out:
            raise MediaError("Converting the video took longer than %d s." % timeout_s)
        if returncode != 0:
            raise MediaError(
                "The video could not be converted for playback (%s)."
                % _last_error(errors, source)
            )

    made = probe(target)
    return made.width, made.height


def _last_error(errors, source):
    errors.seek(max(0, os.fstat(errors.fileno()).st_size - ERROR_TAIL_BYTES))
    lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return "ffmpeg gave no reason"
    return (
        lines[-1]
        .replace("file:%s" % source, "the file")
        .replace(str(source), "the file")
    )


def _save(asset, path, size):
    rendition = Rendition(
        asset=asset,
        name=Rendition.Name.VIDEO,
        mime_type="video/mp4",
        width=size[0],
        height=size[1],
        byte_size=os.path.getsize(path),
    )
    with open(path, "rb") as handle:
        rendition.file.save("video.mp4", File(handle), save=False)
    try:
        rendition.save()
    except DatabaseError:
        # The row did not make it; do not leave its file behind unowned.
        rendition.file.delete(save=False)
        raise
