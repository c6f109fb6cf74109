"""Benchmark: ingesting a minute of 1080p video, as a share of its length.

Makes (once, kept under var/bench-video) a 60 s 1920x1080 30 fps H.264 clip
of six ffmpeg test sources, 10 s each, so that it has cuts; then, against
the real embedded PostgreSQL and storage of var/bench-video and with CLIP
ViT-B-32 of random weights (the same compute as OpenAI's), times:

- the project's ingest: the whole pipeline (metadata, poster renditions,
  pHash, poster embedding, frames, moment embeddings, playable check), with
  the frames sampled in one ffmpeg pass at 256 px;
- a naive baseline for the frames and their embeddings: ffmpeg decodes
  every frame at full size, Python shrinks each one and finds the cuts and
  the 2 s samples, then the same encoder embeds the kept frames. Its total
  is the project's other steps plus this.

Prints wall and CPU seconds (this process and its ffmpeg children) and each
as a share of the clip's length; the target is a share of at most 0.3. The
model's load (once per worker process) is printed but not counted.

    python bench/video.py [--runs 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where
# bench/ingest.py would shadow the ingest app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.clip_random import use_random_clip  # noqa: E402

DATA_DIR, CHECKPOINT = use_random_clip(ROOT, "bench-video")

LENGTH_S = 60
SIZE = "1920x1080"
RATE = 30
# Six test sources, 10 s each. mandelbrot and life are drawn small and
# scaled up: drawn at 1080p they take minutes to render.
SOURCES = (
    "testsrc2=s={size}:r={rate}",
    "mandelbrot=s=480x270:r={rate},scale={size}",
    "smptehdbars=s={size}:r={rate}",
    "life=s=480x270:r={rate}:mold=10:ratio=0.1:death_color=#4060a0,scale={size}",
    "testsrc=s={size}:r={rate}",
    "rgbtestsrc=s={size}:r={rate},hue=h=t*20",
)
TARGET_SHARE = 0.3


def make_clip(path):
    """Write the benchmark clip unless it is there already."""
    from ingest.video_frames import ffmpeg_path

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    part = LENGTH_S / len(SOURCES)
    inputs = []
    for source in SOURCES:
        graph = source.format(size=SIZE, rate=RATE) + ",trim=duration=%g" % part
        inputs += ["-f", "lavfi", "-i", graph]
    labels = "".join("[%d:v]" % index for index in range(len(SOURCES)))
    partial = path.with_suffix(".partial.mp4")
    subprocess.run(
        [
            ffmpeg_path(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            *inputs,
            "-filter_complex",
            "%sconcat=n=%d:v=1:a=0" % (labels, len(SOURCES)),
            # What a camera or phone writes: High profile with B-frames.
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            str(partial),
        ],
        check=True,
    )
    os.replace(partial, path)
    return path


class Clock:
    """Wall and CPU seconds (this process and its waited-for children)."""

    def __enter__(self):
        self.wall = time.perf_counter()
        self.cpu = _cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu_seconds() - self.cpu


def _cpu_seconds():
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def project_ingest(path):
    """Ingest the clip with the real pipeline; return (Clock, step ms, frames)."""
    from dam.models import Asset
    from ingest.models import IngestStep
    from ingest.pipeline import run_pipeline
    from ingest.uploads import ingest_file

    Asset.objects.filter(original_name=path.name).delete()
    with Clock() as clock:
        accepted = ingest_file(str(path), path.name)
        status = run_pipeline(accepted.asset.id)
    asset = Asset.objects.get(pk=accepted.asset.id)
    if status != Asset.Status.READY:
        raise SystemExit("ingest ended %s: %s" % (status, asset.error))
    steps = {
        step.name: step.duration_ms
        for step in IngestStep.objects.filter(asset=asset).order_by("started_at")
    }
    return clock, steps, asset.frames.count()


def naive_frames_and_embeddings(path, encoder):
    """The baseline: every frame decoded at full size, shrunk in Python.

    Returns (Clock, kept frames). Keeps the same frames as the project's
    sampler would, near enough: a cut where the shrunk grey frame changes a
    lot, else one every interval; black and repeated frames left out.
    """
    import numpy as np
    from PIL import Image

    from ingest.video import BLACK_MEAN
    from ingest.video_frames import ffmpeg_path
    from ingest.video_probe import probe
    from moments.sampling import frame_size, sampling_policy

    info = probe(path)
    policy = sampling_policy()
    width, height = info.width, info.height
    small = frame_size(width, height)
    frame_bytes = width * height * 3
    # Mean grey change (of 255) between consecutive shrunk frames taken as
    # a cut: about what ffmpeg's scene score of 0.3 means.
    cut_change = 0.3 * 255 / 3

    with Clock() as clock:
        command = [
            ffmpeg_path(),
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:",
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE)
        kept, batch = 0, []
        last_grey, last_kept_grey, last_time = None, None, None
        index = 0
        while len(data := process.stdout.read(frame_bytes)) == frame_bytes:
            moment = index / (info.frame_rate or RATE)
            index += 1
            picture = Image.frombuffer("RGB", (width, height), data).resize(
                small, Image.Resampling.BOX
            )
            grey = np.asarray(picture.convert("L").resize((32, 32)), dtype=np.float32)
            cut = last_grey is not None and np.abs(grey - last_grey).mean() > cut_change
            last_grey = grey
            due = last_time is None or moment - last_time >= policy.interval_s
            if not (due or (cut and moment - last_time >= policy.min_gap_s)):
                continue
            if np.asarray(picture).mean() < BLACK_MEAN:
                continue
            if (
                last_kept_grey is not None
                and np.abs(grey - last_kept_grey).mean() < 1.0
            ):
                continue
            last_time, last_kept_grey = moment, grey
            batch.append(picture)
            kept += 1
            if len(batch) == 16:
                encoder.embed_images(batch)
                batch = []
        encoder.embed_images(batch)
        process.wait()
    return clock, kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="median of this many")
    arguments = parser.parse_args()

    import django

    from bench.clip_random import ensure_random_checkpoint

    ensure_random_checkpoint(CHECKPOINT)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from ingest.video_frames import ffmpeg_path
    from ingest.video_probe import probe
    from search.encoder import get_encoder

    clip = make_clip(DATA_DIR.resolve() / "videos" / "1080p-60s-cuts.mp4")
    info = probe(clip)
    print(
        "clip: %dx%d, %.1f s, %s %s, %d bytes"
        % (
            info.width,
            info.height,
            info.duration,
            info.video_codec,
            info.pixel_format,
            clip.stat().st_size,
        )
    )
    print(
        "machine: %d CPUs, load average %.1f; ffmpeg %s"
        % (len(os.sched_getaffinity(0)), os.getloadavg()[0], ffmpeg_path())
    )
    with Clock() as load:
        encoder = get_encoder()
    print(
        "CLIP %s loaded in %.1f s (once per worker; not counted)\n"
        % (encoder.identity, load.wall)
    )

    projects, naives = [], []
    for _ in range(arguments.runs):
        projects.append(project_ingest(clip))
        naives.append(naive_frames_and_embeddings(clip, encoder))

    def median(values):
        return statistics.median(values)

    wall = median([clock.wall for clock, _, _ in projects])
    cpu = median([clock.cpu for clock, _, _ in projects])
    steps = {
        name: median([run[1][name] for run in projects]) for name in projects[0][1]
    }
    frames = projects[0][2]
    moment_steps = (steps.get("frames", 0) + steps.get("moments", 0)) / 1000
    naive_wall = median([clock.wall for clock, _ in naives])
    naive_cpu = median([clock.cpu for clock, _ in naives])
    naive_total = wall - moment_steps + naive_wall

    print(
        "%-44s %8s %7s %8s %7s"
        % ("median of %d runs" % arguments.runs, "wall s", "share", "cpu s", "frames")
    )
    print(
        "%-44s %8.2f %7.3f %8.2f %7d"
        % ("project: whole ingest", wall, wall / info.duration, cpu, frames)
    )
    for name, ms in steps.items():
        print("  %-42s %8.2f" % (name, ms / 1000))
    print(
        "%-44s %8.2f %7.3f %8.2f %7d"
        % (
            "naive: frames + embeddings only",
            naive_wall,
            naive_wall / info.duration,
            naive_cpu,
            naives[0][1],
        )
    )
    print(
        "%-44s %8.2f %7.3f"
        % (
            "naive: whole ingest (other steps as above)",
            naive_total,
            naive_total / info.duration,
        )
    )
    print("load average at the end: %.1f" % os.getloadavg()[0])
    verdict = "meets" if wall / info.duration <= TARGET_SHARE else "MISSES"
    print(
        "\nproject share %.3f %s the target of %.1f; naive %.3f"
        % (wall / info.duration, verdict, TARGET_SHARE, naive_total / info.duration)
    )


if __name__ == "__main__":
    main()
