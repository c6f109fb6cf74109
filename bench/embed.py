"""Benchmark: CLIP ViT-B-32 images and texts per second on this machine.

The weights are random (written once under var/bench-embed/models): the
same layers on the same shapes as OpenAI's weights, so the same time. The
photos of ../shared/corpus/photos are decoded once the way the embedding
step decodes them (search.indexing.decode_rgb, at most 448 px), then cycled
to fill batches of 1, 8, 16 (the encoder's own IMAGE_BATCH_SIZE) and 32.

Side by side in one process:

- project: search.encoder's ClipEncoder.embed_images / embed_texts
  (torch.inference_mode, torch threads = the cores this process may use),
  at 1 thread and at the project's thread count;
- baseline: the same model called plainly, as a first version would: a
  forward pass with autograd recording (no inference_mode or no_grad), at
  torch's default thread count.

Preprocessing (resize, crop, normalise: the encoder's own transform) and
the model's forward pass are also timed apart.

    python bench/embed.py [--batches 1,8,16,32] [--images 64] [--texts 40]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; keep the apps first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.clip_random import use_random_clip  # noqa: E402

DATA_DIR, CHECKPOINT = use_random_clip(ROOT, "bench-embed")

from bench.timing import load, progress  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "corpus" / "photos"
TEXTS = (
    "a red bicycle leaning on a wall", "dog running on the beach",
    "sunset over the mountains", "portrait of an astronaut", "a cup of coffee",
    "crowd at a rock concert", "a train station at night", "a yellow flower",
)


def corpus_images():
    """The corpus photos decoded as the embedding step decodes them."""
    from search.indexing import decode_rgb

    images, seconds = [], []
    for path in sorted(PHOTOS.iterdir()):
        started = time.perf_counter()
        with open(path, "rb") as handle:
            images.append(decode_rgb(handle))
        seconds.append(time.perf_counter() - started)
    return images, sum(seconds) / len(seconds)


def cycled(images, count):
    return [images[index % len(images)] for index in range(count)]


def project_images(encoder, images, batch):
    """Seconds for encoder.embed_images over ``images`` in batches."""
    started = time.perf_counter()
    for start in range(0, len(images), batch):
        encoder.embed_images(images[start : start + batch], batch_size=batch)
    return time.perf_counter() - started


def baseline_images(encoder, images, batch):
    """Seconds for a plain forward pass with autograd recording."""
    import torch

    started = time.perf_counter()
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        pixels = torch.stack([encoder.preprocess(image) for image in chunk])
        encoder.model.encode_image(pixels, normalize=True).detach().numpy()
    return time.perf_counter() - started


def split_images(encoder, images, batch):
    """(preprocess seconds, model seconds) of the project path, apart."""
    import torch

    preprocess = model = 0.0
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            started = time.perf_counter()
            pixels = torch.stack(
                [encoder.preprocess(image) for image in images[start : start + batch]]
            )
            middle = time.perf_counter()
            encoder.model.encode_image(pixels, normalize=True)
            model += time.perf_counter() - middle
            preprocess += middle - started
    return preprocess, model


def project_texts(encoder, count):
    started = time.perf_counter()
    for index in range(count):
        encoder.embed_texts([TEXTS[index % len(TEXTS)]])
    return time.perf_counter() - started


def baseline_texts(encoder, count):
    started = time.perf_counter()
    for index in range(count):
        tokens = encoder.tokenizer([TEXTS[index % len(TEXTS)]])
        encoder.model.encode_text(tokens, normalize=True).detach().numpy()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", default="1,8,16,32",
                        help="batch sizes (1,8,16,32)")
    parser.add_argument("--images", type=int, default=64,
                        help="images per measurement (64; rounded up to whole batches)")
    parser.add_argument("--texts", type=int, default=40, help="texts at batch 1 (40)")
    args = parser.parse_args()
    batches = [int(value) for value in args.batches.split(",")]

    import django

    django.setup()
    import torch

    from bench.clip_random import ensure_random_checkpoint
    from search.encoder import cpu_threads, get_encoder

    torch_default = torch.get_num_threads()
    ensure_random_checkpoint(CHECKPOINT)
    started = time.perf_counter()
    encoder = get_encoder()
    progress("encoder %s loaded in %.1f s" % (
        encoder.identity, time.perf_counter() - started
    ))
    images, decode_s = corpus_images()
    print("%s, random weights; %d corpus photos decoded at <=448 px in %.1f ms each; "
          "%d CPUs, load average %s" % (
              encoder.identity, len(images), decode_s * 1000, os.cpu_count(), load()))

    modes = [
        ("baseline: autograd on", torch_default, baseline_images, baseline_texts),
        ("project: 1 thread", 1, project_images, project_texts),
        ("project", cpu_threads(), project_images, project_texts),
    ]
    header = "%-24s %7s %5s %8s %10s %12s %10s"
    print(header % (
        "images", "threads", "batch", "img/s", "ms/img", "preproc ms", "model ms"
    ))
    for batch in batches:
        count = max(batch, -(-args.images // batch) * batch)
        work = cycled(images, count)
        for name, threads, run_images, _ in modes:
            torch.set_num_threads(threads)
            run_images(encoder, work[:batch], batch)  # warm-up
            seconds = run_images(encoder, work, batch)
            split = ("", "")
            if run_images is project_images:
                preprocess, model = split_images(encoder, work, batch)
                split = tuple(
                    "%.1f" % (part / count * 1000) for part in (preprocess, model)
                )
            print("%-24s %7d %5d %8.1f %10.1f %12s %10s" % (
                name, threads, batch, count / seconds, seconds / count * 1000, *split))
            sys.stdout.flush()

    print("\n%-24s %7s %5s %8s %10s" % (
        "texts", "threads", "batch", "texts/s", "ms/text"
    ))
    for name, threads, _, run_texts in modes:
        torch.set_num_threads(threads)
        run_texts(encoder, 3)
        seconds = run_texts(encoder, args.texts)
        print("%-24s %7d %5d %8.1f %10.1f" % (
            name, threads, 1, args.texts / seconds, seconds / args.texts * 1000))
    print("\nload average at the end %s; torch %s, default threads %d" % (
        load(), torch.__version__, torch_default))


if __name__ == "__main__":
    main()
