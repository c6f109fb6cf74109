"""Time what video ingest costs: probing, the length check, the poster.

    python bench/video_ingest.py [VIDEO ...]

Without arguments it times the corpus video and a generated 60 s 1080p
H.264 clip (one keyframe every 10 s, as phones and x264 defaults do). Also
times streaming one 224 px frame per second through a whole video, the
shape of a later frame sampler. Prints the median of a few runs, in ms.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(DAM_FFMPEG=os.environ.get("DAM_FFMPEG", ""))
django.setup()

from ingest.video import poster_from_file  # noqa: E402
from ingest.video_frames import bounded_size, ffmpeg_path, frames  # noqa: E402
from ingest.video_probe import probe  # noqa: E402

CORPUS_VIDEO = ROOT.parent / "shared" / "corpus" / "video" / "cat_rocket_coffee.mp4"
RUNS = 5


def median_ms(function, runs=RUNS):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def sampled_frames(path):
    info = probe(path)
    size = bounded_size((info.width, info.height), 224)
    with closing(frames(path, info.stream_index, size, every_s=1.0)) as stream:
        return sum(1 for _ in stream)


def make_clip(folder):
    path = Path(folder) / "1080p-60s.mp4"
    subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=60",
         "-c:v", "libx264", "-preset", "veryfast", "-g", "300",
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    return path


def report(path):
    info = probe(path)
    print("%s: %dx%d, %.1f s, %s, %d bytes" % (
        path.name, info.width, info.height, info.duration, info.video_codec,
        path.stat().st_size,
    ))
    print("  probe                 %7.1f ms" % median_ms(lambda: probe(path)))
    print("  probe + length check  %7.1f ms" % median_ms(
        lambda: probe(path, check_length=True)))
    poster_ms = median_ms(lambda: poster_from_file(path))
    print("  poster                %7.1f ms" % poster_ms)
    count = sampled_frames(path)
    print("  %d frames, 1/s, 224 px %7.1f ms" % (
        count, median_ms(lambda: sampled_frames(path), runs=1)))


def main(arguments):
    print("ffmpeg: %s; %d CPUs" % (ffmpeg_path(), os.cpu_count()))
    if arguments:
        for argument in arguments:
            report(Path(argument))
        return
    report(CORPUS_VIDEO)
    with tempfile.TemporaryDirectory() as folder:
        report(make_clip(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
