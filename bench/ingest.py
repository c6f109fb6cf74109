"""Benchmark: photos per second through the image ingest pipeline.

Generates (once, cached under var/bench/photos) synthetic 12 MP camera
JPEGs, then ingests them with worker processes against the real embedded
PostgreSQL and file storage of var/bench, twice: with a naive renditions
step (full decode, resize from the original, default WebP effort) and with
the project's own. Prints images per second for the upload checks
(ingest_file: size, sniffing, pixel check, sha256, storing) and for the
pipeline (metadata + renditions + phash) separately, the mean time of each
step, and the peak memory of a worker.

    python bench/ingest.py [--count 200] [--workers 2]
"""

import argparse
import dataclasses
import multiprocessing
import os
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where this file
# would shadow the ingest app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
os.environ.setdefault("DAM_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DAM_LOG_LEVEL", "WARNING")

PHOTO_SIZE = (4032, 3024)  # 12 MP, what most phones and many cameras make
# Every fourth photo is held sideways (EXIF 6), every eighth the other way.
ORIENTATIONS = {0: 6, 4: 8}

MODES = ("naive", "optimised")
IMAGE_STEPS = ("metadata", "renditions", "phash")


def photo_folder():
    return Path(os.environ["DAM_DATA_DIR"]).resolve() / "photos"


def synthetic_photo(index):
    """Return (image, exif) for a camera-like photo: soft colour fields,
    hard-edged shapes and sensor noise, so JPEG sizes are realistic."""
    import numpy as np
    from PIL import ExifTags, Image, ImageDraw

    rng = np.random.default_rng(index)
    field = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(field).resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.integers(0, PHOTO_SIZE[0]), rng.integers(0, PHOTO_SIZE[1])
        w, h = rng.integers(40, 900, 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = (draw.ellipse, draw.rectangle)[int(rng.integers(0, 2))]
        shape((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=4)
    noise = rng.normal(0, 6, (PHOTO_SIZE[1], PHOTO_SIZE[0], 1)).astype(np.int16)
    pixels = np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8))

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS R6"
    exif[ExifTags.Base.Orientation] = ORIENTATIONS.get(index % 8, 1)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = (
        "2024:05:%02d 10:%02d:00" % (1 + index % 28, index % 60)
    )
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (
        47.0, 22.0, float(index % 60),
    )
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (
        8.0, 32.0, 10.0,
    )
    return image, exif


def write_photo(index):
    path = photo_folder() / ("photo-%03d.jpg" % index)
    if not path.exists():
        image, exif = synthetic_photo(index)
        partial = path.with_suffix(".part")
        image.save(partial, "JPEG", quality=90, exif=exif)
        partial.rename(path)
    return str(path)


def photos(count, pool):
    """Return the paths of ``count`` cached photos, making missing ones."""
    photo_folder().mkdir(parents=True, exist_ok=True)
    return pool.map(write_photo, range(count))


# The baseline renditions step: what a first version typically does.


def naive_renditions(asset):
    """Full decode of the original, each size resized from it with Lanczos,
    WebP at its default effort."""
    from PIL import Image, ImageOps

    from ingest.renditions import PREVIEW, THUMBNAIL, save_rendition

    with asset.original.open("rb") as handle, Image.open(handle) as image:
        picture = ImageOps.exif_transpose(image.convert("RGB"))
    for spec in (PREVIEW, THUMBNAIL):
        sized = picture.copy()
        sized.thumbnail((spec.longest, spec.longest), Image.Resampling.LANCZOS, None)
        save_rendition(asset, dataclasses.replace(spec, options={"quality": 80}), sized)


# Worker side.


def start_worker(mode):
    import django

    django.setup()

    from django.db import connection

    from ingest import pipeline, uploads

    # The benchmark drives the pipeline itself; nothing goes to the broker.
    uploads.enqueue_ingest = lambda asset_id: None
    # Only the image steps are measured here (embeddings: bench/embed.py).
    steps = [step for step in pipeline.STEPS if step.name in IMAGE_STEPS]
    if mode == "naive":
        steps = [
            dataclasses.replace(step, function="bench.ingest.naive_renditions")
            if step.name == "renditions"
            else step
            for step in steps
        ]
    pipeline.STEPS = tuple(steps)
    # Imports and connections now, not inside the first timed image.
    import imagehash  # noqa: F401
    import scipy.fftpack  # noqa: F401

    connection.ensure_connection()


def upload(path):
    """Return (asset id, worker CPU seconds) of ingest_file on ``path``."""
    from ingest.uploads import ingest_file

    cpu = time.process_time()
    asset_id = str(ingest_file(path, Path(path).name).asset.id)
    return asset_id, time.process_time() - cpu


def process(asset_id):
    """Return (final status, worker CPU seconds) of the pipeline."""
    from ingest.pipeline import run_pipeline

    cpu = time.process_time()
    status = run_pipeline(asset_id)
    return status, time.process_time() - cpu


def peak_rss_kib(_=None):
    time.sleep(0.2)  # so that each worker of the pool answers once
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class RssSampler(threading.Thread):
    """Samples the RSS of the pool's worker processes every 10 ms."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        import psutil

        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self.stopped = threading.Event()

    def run(self):
        import psutil

        while not self.stopped.wait(0.01):
            for process in self.processes:
                try:
                    self.peak = max(self.peak, process.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass


def clear_library():
    from django.conf import settings

    from dam.models import Asset

    Asset.objects.all().delete()
    for folder in ("originals", "renditions"):
        shutil.rmtree(Path(settings.MEDIA_ROOT) / folder, ignore_errors=True)


def run_mode(mode, paths, workers):
    """Ingest ``paths`` in a fresh pool; return the measured figures."""
    from django.db.models import Avg, Count

    from dam.models import Asset
    from ingest.models import IngestStep

    clear_library()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=start_worker, initargs=(mode,)) as pool:
        # Waits until every worker has started, and learns their ids.
        pids = {pid for pid, _ in pool.map(peak_rss_kib, range(workers * 2), 1)}
        sampler = RssSampler(pids)
        sampler.start()

        started = time.perf_counter()
        ids, upload_cpu = zip(*pool.map(upload, paths, chunksize=1))
        uploaded = time.perf_counter()
        statuses, pipeline_cpu = zip(*pool.map(process, ids, chunksize=1))
        finished = time.perf_counter()

        sampler.stopped.set()
        maxrss = max(kib for _, kib in pool.map(peak_rss_kib, range(workers * 2), 1))

    steps = dict(
        IngestStep.objects.values_list("name")
        .annotate(Avg("duration_ms"))
        .values_list("name", "duration_ms__avg")
    )
    states = dict(Asset.objects.values_list("status").annotate(Count("id")))
    return {
        "mode": mode,
        "upload_s": uploaded - started,
        "pipeline_s": finished - uploaded,
        "steps": steps,
        "upload_cpu_ms": 1000 * sum(upload_cpu) / len(paths),
        "pipeline_cpu_ms": 1000 * sum(pipeline_cpu) / len(paths),
        "ready": statuses.count("ready"),
        "states": states,
        "rss_sampled_mb": sampler.peak / 2**20,
        "rss_max_mb": maxrss / 1024,
    }


def report(results, count, paths, workers):
    mean_mb = sum(os.path.getsize(p) for p in paths) / len(paths) / 2**20
    print(
        "\n%d photos %dx%d JPEG (mean %.1f MB), %d worker processes, %d CPUs"
        % (count, *PHOTO_SIZE, mean_mb, workers, os.cpu_count())
    )
    for r in results:
        upload_rate = count / r["upload_s"]
        pipeline_rate = count / r["pipeline_s"]
        print(
            "\n%s\n"
            "  upload (ingest_file)  %6.1f img/s wall   %5.0f CPU ms/img\n"
            "  pipeline (3 steps)    %6.1f img/s wall   %5.0f CPU ms/img"
            "   -> %.1f img/s on %d idle cores\n"
            "  upload + pipeline     %6.1f img/s wall\n"
            "  step means (wall)     metadata %.0f ms, renditions %.0f ms,"
            " phash %.0f ms\n"
            "  peak worker RSS       %.0f MB sampled, %.0f MB ru_maxrss\n"
            "  ready                 %d/%d"
            % (
                r["mode"], upload_rate, r["upload_cpu_ms"],
                pipeline_rate, r["pipeline_cpu_ms"],
                workers * 1000 / r["pipeline_cpu_ms"], workers,
                count / (r["upload_s"] + r["pipeline_s"]),
                r["steps"].get("metadata", 0), r["steps"].get("renditions", 0),
                r["steps"].get("phash", 0),
                r["rss_sampled_mb"], r["rss_max_mb"], r["ready"], count,
            )
        )
    by_mode = {r["mode"]: r for r in results}
    if set(by_mode) == set(MODES):
        naive, optimised = by_mode["naive"], by_mode["optimised"]
        print(
            "\npipeline speed-up over naive: %.1fx wall, %.1fx CPU"
            % (
                naive["pipeline_s"] / optimised["pipeline_s"],
                naive["pipeline_cpu_ms"] / optimised["pipeline_cpu_ms"],
            )
        )
    print(
        "(CPU ms are the worker's own; PostgreSQL's share is not in them. Wall"
        " rates suffer from any other load on the machine, CPU ms much less.)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="photos (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated: naive,optimised"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(args.workers) as pool:
        paths = photos(args.count, pool)
    print(
        "photos ready in %.1f s under %s"
        % (time.perf_counter() - started, photo_folder())
    )

    results = []
    for mode in args.modes.split(","):
        results.append(run_mode(mode, paths, args.workers))
        # Other work on the machine skews every figure: show how busy it was.
        print(
            "%s: done; load average over the last minute %.1f"
            % (mode, os.getloadavg()[0]),
            flush=True,
        )
    report(results, args.count, paths, args.workers)
    clear_library()


if __name__ == "__main__":
    main()
