"""Decoding a video's frames with ffmpeg, one frame in memory at a time.

ffmpeg decodes, turns the picture upright (it applies the stream's display
matrix by default), scales it to the size asked for and writes raw RGB to a
pipe; each frame is handed on as a numpy array as soon as it is read, so a
long video never sits in memory.
"""

import os
import shutil
import subprocess
import tempfile
import threading

import ffmpeg
import numpy as np
from django.conf import settings

from ingest.errors import MediaError

# A poster decodes a few seconds of video: 1080p H.264 takes 0.3 s here on
# two cores (bench/video_ingest.py), 4K HEVC some seconds. Two minutes means
# ffmpeg is stuck on a bad file. A caller streaming a long video passes more.
DECODE_TIMEOUT_S = 120

# ffmpeg's stderr is kept only to explain a failure.
ERROR_TAIL_BYTES = 4000


def ffmpeg_path():
    """Return the ffmpeg to run.

    The DAM_FFMPEG setting wins; else an ffmpeg on PATH, such as Debian's;
    else the static build inside imageio-ffmpeg.
    """
    configured = getattr(settings, "DAM_FFMPEG", "")
    if configured:
        return configured

    found = shutil.which("ffmpeg")
    if found:
        return found

    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def bounded_size(size, longest):
    """Return ``size`` shrunk so its longest side is at most ``longest``."""
    width, height = size
    if max(width, height) <= longest:
        return width, height
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_command(path, stream_index, size, start=0.0, every_s=None, limit=None):
    """Return the ffmpeg command line that writes frames as raw RGB to stdout.

    ``size`` is the (width, height) of the frames as displayed; square
    pixels come out whatever the stream's sample aspect ratio.
    """
    width, height = size
    # "file:" keeps a name from being read as a protocol (concat:, http:).
    seek = {"ss": "%.3f" % start} if start else {}
    video = ffmpeg.input("file:%s" % path, **seek)[str(stream_index)]
    if every_s:
        # The first frame, then each one at least ``every_s`` after the last
        # taken. Unlike the fps filter, this never drops the only frame of a
        # video shorter than one interval, nor repeats frames.
        video = video.filter(
            "select", "isnan(prev_selected_t)+gte(t-prev_selected_t,%g)" % every_s
        )
    video = video.filter("scale", width, height, flags="area").filter("setsar", 1)

    options = {"format": "rawvideo", "pix_fmt": "rgb24", "fps_mode": "passthrough"}
    if limit:
        options["frames:v"] = limit
    output = video.output("pipe:", **options)
    quiet = output.global_args("-nostdin", "-loglevel", "error")
    return quiet.compile(cmd=ffmpeg_path())


def frames(path, stream_index, size, start=0.0, every_s=None, limit=None,
           timeout_s=DECODE_TIMEOUT_S):
    """Yield the video's frames from ``start`` seconds as RGB arrays.

    Each array is ``size[1]`` x ``size[0]`` x 3, uint8, upright. With
    ``every_s``, only frames at least that many seconds apart are kept; with
    ``limit``, at most that many are yielded. Closing the generator early
    stops ffmpeg. Raises MediaError when ffmpeg fails, or when the whole
    iteration (the caller's time between frames included) outlives
    ``timeout_s``.
    """
    width, height = size
    frame_bytes = width * height * 3
    command = decode_command(path, stream_index, size, start, every_s, limit)

    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
        )
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            while len(data := process.stdout.read(frame_bytes)) == frame_bytes:
                yield np.frombuffer(data, np.uint8).reshape(height, width, 3)
            returncode = process.wait()
            timed_out = watchdog.finished.is_set()
        finally:
            watchdog.cancel()
            process.kill()
            process.wait()
            process.stdout.close()

        if timed_out:
            raise MediaError("Decoding the video took longer than %d s." % timeout_s)
        if returncode != 0:
            reason = _last_error(errors, path)
            raise MediaError("The video could not be decoded (%s)." % reason)


def _last_error(errors, path):
    """Return ffmpeg's last complaint, without the local path in it."""
    errors.seek(max(0, os.fstat(errors.fileno()).st_size - ERROR_TAIL_BYTES))
    lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return "ffmpeg gave no reason"
    return lines[-1].replace("file:%s" % path, "the file").replace(
        str(path), "the file"
    )
