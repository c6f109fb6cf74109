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
