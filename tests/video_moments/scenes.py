"""The corpus video's scenes, and telling which one a picture shows."""

import numpy as np
from PIL import Image

from tests.conftest import CORPUS

VIDEO = "video/cat_rocket_coffee.mp4"
# Which photo the corpus video shows when: [start, end) in seconds.
SCENES = {
    "chelsea.png": (0.0, 4.0),
    "rocket.jpg": (4.0, 8.0),
    "coffee.png": (8.0, 12.0),
}


def nearest_scene(picture):
    """Which of the video's source photos ``picture`` looks like, by pixels."""
    frame = np.asarray(picture.convert("RGB").resize((160, 90)), dtype=float)
    distances = {}
    for name in SCENES:
        with Image.open(CORPUS / "photos" / name) as photo:
            source = np.asarray(photo.convert("RGB").resize((160, 90)), dtype=float)
        distances[name] = np.abs(frame - source).mean()
    return min(distances, key=distances.get)
