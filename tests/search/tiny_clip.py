"""A tiny open_clip architecture with random weights, for tests.

Real loading, preprocessing and encoding run with it in about a second and
without any download. Its vectors carry no meaning for text (random
weights), but the image tower still maps similar pixels to similar vectors,
which is what image-to-image tests rely on.
"""

import json
import os
from pathlib import Path

NAME = "dam-tiny-clip"
SEED = 0

# From ../shared/FACTS.md: 29 MB checkpoint, every corpus photo finds itself.
CONFIG = {
    "embed_dim": 128,
    "vision_cfg": {"image_size": 112, "layers": 2, "width": 128, "patch_size": 16},
    "text_cfg": {
        "context_length": 77,
        "vocab_size": 49408,
        "width": 128,
        "heads": 4,
        "layers": 2,
    },
}


def ensure_tiny_clip(folder):
    """Write the config and a seeded random checkpoint once; return paths.

    Returns (config_path, checkpoint_path). Files already there are reused,
    so that a test run pays for this once per machine; both are written
    under a temporary name and renamed, as parallel runs may race here.
    """
    import open_clip
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / ("%s.json" % NAME)
    checkpoint_path = folder / ("%s-seed%d.pt" % (NAME, SEED))
    wanted = json.dumps(CONFIG, indent=2, sort_keys=True)

    if not config_path.exists() or config_path.read_text() != wanted:
        _write_atomically(config_path, wanted.encode())
        checkpoint_path.unlink(missing_ok=True)

    if not checkpoint_path.exists():
        open_clip.add_model_config(config_path)
        torch.manual_seed(SEED)
        model = open_clip.create_model(NAME, pretrained=None)
        partial = checkpoint_path.with_suffix(".partial-%d" % os.getpid())
        torch.save(model.state_dict(), partial)
        os.replace(partial, checkpoint_path)

    return config_path, checkpoint_path


def _write_atomically(path, data):
    partial = path.with_suffix(".partial-%d" % os.getpid())
    partial.write_bytes(data)
    os.replace(partial, path)
