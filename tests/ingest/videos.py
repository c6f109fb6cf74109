"""Making test videos with ffmpeg, and looking at the pictures made from them."""

import subprocess

import numpy as np

from dam.models import Asset
from ingest.uploads import ingest_file
from ingest.video_frames import ffmpeg_path


def ffmpeg(*args):
    """Run ffmpeg quietly; fail the test with its complaint if it fails."""
    command = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    result = subprocess.run(command + [str(arg) for arg in args], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


def lavfi(source):
    """Return ffmpeg input arguments for a generated (lavfi) source."""
    return ["-f", "lavfi", "-i", source]


def x264(*extra):
    """Return output arguments for a small, fast H.264 stream."""
    return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *extra]


def stored(path):
    """Upload the file as a new asset (nothing is run yet); return it."""
    accepted = ingest_file(str(path), path.name)
    assert not accepted.duplicate
    return Asset.objects.get(pk=accepted.asset.id)


def mean_colour(image, box):
    """Mean RGB of ``box`` given as fractions (left, top, right, bottom)."""
    width, height = image.size
    left, top, right, bottom = box
    region = image.convert("RGB").crop(
        (int(left * width), int(top * height), int(right * width), int(bottom * height))
    )
    return np.asarray(region, dtype=float).reshape(-1, 3).mean(axis=0)


def is_near(colour, expected, tolerance=40):
    return bool(np.all(np.abs(np.asarray(colour) - np.asarray(expected)) <= tolerance))
