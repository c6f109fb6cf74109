"""Choosing and decoding the frames that stand for a video's moments.

One ffmpeg pass does it all: it decodes the picture, turns it upright (the
display matrix is applied by default), keeps the first frame of each new
shot and at least one frame every ``interval_s`` seconds, shrinks the kept
frames to about 256 px and writes them as raw RGB to a pipe. The showinfo
filter logs each kept frame's time on stderr, which a thread reads while
the frames are read from stdout, so only one frame is in memory at a time.
Here the per-minute cap is applied, and near-black frames and repeats of
the last kept frame are dropped.
"""

import collections
import logging
import queue
import re
import subprocess
import threading
from dataclasses import dataclass

import ffmpeg
import numpy as np
from django.conf import settings
from PIL import Image

from ingest.errors import MediaError
from ingest.video import BLACK_MEAN
from ingest.video_frames import ffmpeg_path

logger = logging.getLogger(__name__)

# ffmpeg's scene score (0..1) above which a frame starts a new shot. Its
# documentation's example uses 0.4; 0.3 also catches cuts between shots of
# alike colours, and a false cut costs one frame, within the per-minute cap.
SCENE_THRESHOLD = 0.3
# ffmpeg passes on at most one cut per this many seconds, so that a strobing
# video does not send every frame through the pipe to be capped here.
CUT_SPACING_S = 0.1
# Frames are kept at this short side: CLIP ViT-B-32 looks at a 224 px centre
# crop, and the same frames are the moment thumbnails on result cards.
FRAME_SHORT_SIDE = 256
# ...and at most this long side, so a panorama stays a small picture.
FRAME_LONG_SIDE = 640
# Frames whose 32x32 grey thumbnails differ by less than this mean level
# (of 255) from the last kept frame show the same thing. Measured here: a
# still shot through x264 differs by under 0.1; testsrc2's small moving
# patterns by about 2, as does a still shot under heavy sensor noise (which
# is then kept: it costs only space).
DUPLICATE_DIFFERENCE = 1.0
SIGNATURE_SIDE = 32
# Sampling 1080p H.264 took about a fifteenth of the video's length on two
# busy cores (bench/video.py); 4K or HEVC costs several times that. The
# allowance is generous, so that only a stuck ffmpeg is stopped.
TIMEOUT_BASE_S = 120
TIMEOUT_PER_VIDEO_S = 10
ERROR_LINES_KEPT = 20

# showinfo's line for each frame: "[Parsed_showinfo_3 @ 0x...] n: 4 pts: 102400
# pts_time:8 ...". A frame without a timestamp says "pts_time:NOPTS".
SHOWINFO_TIME = re.compile(r"\bn:\s*\d+\s.*?\bpts_time:(\S+)")


@dataclass(frozen=True)
class SamplingPolicy:
    """How densely a video is sampled; read from settings."""

    interval_s: float
    per_minute_max: int
    scene_threshold: float = SCENE_THRESHOLD

    @property
    def min_gap_s(self):
        """The shortest time between two kept frames: the per-minute cap."""
        return 60.0 / self.per_minute_max

    @property
    def version(self):
        """Changes whenever the frames sampled with it would change."""
        return "every %gs, %d/min, scene %g, %dpx" % (
            self.interval_s,
            self.per_minute_max,
            self.scene_threshold,
            FRAME_SHORT_SIDE,
        )

    def select_expression(self):
        """ffmpeg's select filter for this policy.

        The first frame; any frame ``interval_s`` after the last selected
        one; and the first frame of each new shot. The per-minute cap is
        applied to what it selects (see sample_frames): the filter only
        knows the last frame it selected, which may yet be dropped as a
        repeat, so a cap here would also suppress the cut that follows.
        """
        interval = max(self.interval_s, self.min_gap_s)
        return (
            "isnan(prev_selected_t)+gte(t-prev_selected_t,%g)"
            "+gt(scene,%g)*gte(t-prev_selected_t,%g)"
            % (interval, self.scene_threshold, CUT_SPACING_S)
        )


def sampling_policy():
    """The policy configured with DAM_FRAME_INTERVAL and DAM_FRAMES_PER_MINUTE_MAX."""
    return SamplingPolicy(
        interval_s=float(getattr(settings, "DAM_FRAME_INTERVAL", 2.0)),
        per_minute_max=int(getattr(settings, "DAM_FRAMES_PER_MINUTE_MAX", 60)),
    )


def sampling_version():
    """Version of the frames step: follows the sampling settings."""
    return sampling_policy().version


@dataclass(frozen=True)
class SampledFrame:
    time: float  # seconds from the start of the video
    pixels: np.ndarray  # height x width x 3, uint8, upright


def frame_size(width, height):
    """The (width, height) kept frames have, for a video displayed at this size."""
    short, long = min(width, height), max(width, height)
    scale = min(FRAME_SHORT_SIDE / short, FRAME_LONG_SIDE / long, 1.0)
    # Even sides: some scalers and encoders round odd ones differently.
    fitted = [max(2, round(side * scale / 2) * 2) for side in (width, height)]
    return fitted[0], fitted[1]


def sample_command(path, stream_index, size, policy):
    """The ffmpeg command line that writes the kept frames to stdout."""
    width, height = size
    # Frames no other frame refers to (most B-frames) are not decoded: that
    # halves the decoding of typical H.264 and HEVC while still leaving a
    # frame every 1/15 s to cut and sample at. Intra-only codecs keep all.
    source = ffmpeg.input("file:%s" % path, skip_frame="noref")
    video = (
        source[str(stream_index)]
        .filter("select", policy.select_expression())
        .filter("scale", width, height, flags="area")
        .filter("setsar", 1)
        .filter("showinfo")
    )
    output = video.output(
        "pipe:", format="rawvideo", pix_fmt="rgb24", fps_mode="passthrough"
    )
    return output.global_args("-nostdin", "-nostats", "-hide_banner").compile(
        cmd=ffmpeg_path()
    )


def decoded_frames(path, stream_index, size, policy, timeout_s):
    """Yield (time, pixels) for each frame that ffmpeg keeps, in order.

    Raises MediaError when ffmpeg fails or outlives ``timeout_s``. Closing
    the generator early stops ffmpeg.
    """
    width, height = size
    frame_bytes = width * height * 3
    process = subprocess.Popen(
        sample_command(path, stream_index, size, policy),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    times = queue.Queue()
    errors = collections.deque(maxlen=ERROR_LINES_KEPT)
    reader = threading.Thread(
        target=_read_log, args=(process.stderr, times, errors), daemon=True
    )
    reader.start()
    watchdog = threading.Timer(timeout_s, process.kill)
    watchdog.start()
    try:
        while len(data := process.stdout.read(frame_bytes)) == frame_bytes:
            moment = times.get(timeout=timeout_s)
            if moment is None:
                break
            yield moment, np.frombuffer(data, np.uint8).reshape(height, width, 3)
        returncode = process.wait()
        timed_out = watchdog.finished.is_set()
    finally:
        watchdog.cancel()
        process.kill()
        process.wait()
        process.stdout.close()
        reader.join(5)

    if timed_out:
        raise MediaError("Sampling the video took longer than %d s." % timeout_s)
    if returncode != 0:
        reason = _reason(errors, path)
        raise MediaError("The video could not be decoded (%s)." % reason)


def _read_log(stream, times, errors):
    """Pass showinfo's frame times on; keep the last other lines for errors."""
    with stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip()
            found = SHOWINFO_TIME.search(line) if "showinfo" in line else None
            if found:
                times.put(_seconds(found.group(1)))
            elif line and "showinfo" not in line:
                errors.append(line)
    # ffmpeg has exited: a frame without its time line ends the stream.
    times.put(None)


def _seconds(text):
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _reason(errors, path):
    """ffmpeg's last complaint, without the local path in it.

    Its log at this level also holds the streams it found; those are passed
    over for a line that names an error, when there is one.
    """
    complaints = [
        line for line in errors if "error" in line.lower() or "invalid" in line.lower()
    ]
    last = (complaints or list(errors) or ["ffmpeg gave no reason"])[-1]
    return last.replace("file:%s" % path, "the file").replace(str(path), "the file")


def sample_frames(path, info, policy=None):
    """Yield the SampledFrames of the video at ``path``, one at a time.

    ``info`` is its VideoProbe. Frames closer than the per-minute cap
    allows to the last frame kept, nearly black, or showing the same as the
    last frame kept, are left out.
    """
    policy = policy or sampling_policy()
    size = frame_size(info.width, info.height)
    timeout_s = TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S * info.duration
    last_time, last_signature = None, None

    for moment, pixels in decoded_frames(
        path, info.stream_index, size, policy, timeout_s
    ):
        if np.isnan(moment):
            continue
        # The per-minute cap: kept frames are at least min_gap_s apart.
        if last_time is not None and moment - last_time < policy.min_gap_s - 1e-6:
            continue
        if pixels.mean() < BLACK_MEAN:
            continue
        signature = _signature(pixels)
        if last_signature is not None and (
            np.abs(signature - last_signature).mean() < DUPLICATE_DIFFERENCE
        ):
            continue
        last_time, last_signature = moment, signature
        yield SampledFrame(time=round(max(moment, 0.0), 3), pixels=pixels)


def _signature(pixels):
    """A 32x32 grey thumbnail as floats, to compare frames by."""
    grey = Image.fromarray(pixels).convert("L")
    small = grey.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)
