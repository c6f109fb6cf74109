"""A CLIP checkpoint with random weights, for timing the real compute.

The weights change what the vectors mean, not what they cost: a random
ViT-B-32 runs the same layers on the same shapes as OpenAI's.
"""

import os
from pathlib import Path

SEED = 0


def ensure_random_checkpoint(path, model="ViT-B-32"):
    """Write a seeded random state_dict of ``model`` at ``path`` once."""
    path = Path(path)
    if path.exists():
        return path

    import open_clip
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    network = open_clip.create_model(model, pretrained=None)
    partial = path.with_suffix(".partial-%d" % os.getpid())
    torch.save(network.state_dict(), partial)
    os.replace(partial, path)
    return path


def use_random_clip(root, folder):
    """Point the settings of a benchmark at its own data dir and a random
    ViT-B-32 checkpoint in it; return (data dir, checkpoint path).

    Called before Django starts: the settings read these variables.
    """
    data_dir = Path(
        os.environ.setdefault("DAM_DATA_DIR", str(Path(root) / "var" / folder))
    )
    checkpoint = data_dir.resolve() / "models" / "random-vit-b-32.pt"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
    os.environ.setdefault("DAM_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DAM_CLIP_MODEL", "ViT-B-32")
    os.environ.setdefault("DAM_CLIP_PRETRAINED", str(checkpoint))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return data_dir, checkpoint
