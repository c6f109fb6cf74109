"""The CLIP encoder: images and texts in, unit-length vectors out.

One encoder per process, loaded on first use from local weights (see
search.weights) and kept for the life of the process. Every vector leaves
here L2-normalised, so that cosine similarity is a dot product everywhere
downstream.
"""

import logging
import os
import pickle
import threading
import time

import numpy as np

from search.text_tower import can_trim, encode_trimmed
from search.weights import (
    WeightsMissing,
    clip_config,
    find_weights,
    register_model_config,
    tag_config,
)

logger = logging.getLogger(__name__)

# Images per forward pass. 16 keeps a ViT-B-32 batch under ~0.5 GB of
# activations on the CPU; larger batches gained nothing measurable on two
# cores.
IMAGE_BATCH_SIZE = 16

# What a damaged or mismatched checkpoint raises while loading: torch's
# unpickler, a strict state-dict mismatch, a truncated file, and open_clip's
# assertions on embedding shapes (a checkpoint of another architecture).
LOAD_ERRORS = (
    RuntimeError,
    OSError,
    ValueError,
    KeyError,
    AssertionError,
    pickle.UnpicklingError,
)

# Preprocessing keys a pretrained tag may override (OpenAI's mean and std
# differ from some LAION models').
PREPROCESS_KEYS = ("mean", "std", "interpolation", "resize_mode")

_lock = threading.Lock()
_loaded = {}
_failed = {}


def cpu_threads():
    """Threads for torch: DAM_TORCH_THREADS, else every core this process
    may run on. Several worker processes on one machine should share the
    cores between them rather than each take all (``dam.serve`` does so).
    """
    configured = os.environ.get("DAM_TORCH_THREADS")
    if configured:
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class ClipEncoder:
    """An open_clip model with its preprocessing and tokenizer."""

    def __init__(self, config, weights_path):
        self.config = config
        self.weights_path = weights_path
        self.identity = config.identity
        self.model = None
        self.preprocess = None
        self.tokenizer = None
        self.dimension = None

    def load(self):
        """Create the model from the local checkpoint, in eval mode."""
        import open_clip
        import torch

        started = time.monotonic()
        torch.set_num_threads(cpu_threads())
        register_model_config(self.config)
        tag = tag_config(self.config)
        overrides = {
            "image_%s" % key: tag[key] for key in PREPROCESS_KEYS if key in tag
        }

        model, _, preprocess = open_clip.create_model_and_transforms(
            self.config.model,
            pretrained=str(self.weights_path),
            force_quick_gelu=bool(tag.get("quick_gelu", False)),
            **overrides,
        )
        model.eval()
        self.model = model
        self.preprocess = preprocess
        self.tokenizer = open_clip.get_tokenizer(self.config.model)
        self.dimension = int(open_clip.get_model_config(self.config.model)["embed_dim"])

        logger.info(
            "CLIP %s loaded from %s in %d ms (%d threads)",
            self.identity,
            self.weights_path,
            (time.monotonic() - started) * 1000,
            torch.get_num_threads(),
        )
        return self

    def embed_images(self, images, batch_size=IMAGE_BATCH_SIZE):
        """Return an (n, dimension) float32 array for RGB PIL images."""
        import torch

        if not images:
            return np.zeros((0, self.dimension), dtype=np.float32)

        chunks = []
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                batch = torch.stack(
                    [
                        self.preprocess(image)
                        for image in images[start : start + batch_size]
                    ]
                )
                chunks.append(
                    self.model.encode_image(batch, normalize=True).float().numpy()
                )

        return _unit_rows(np.concatenate(chunks))

    def embed_texts(self, texts):
        """Return an (n, dimension) float32 array for strings."""
        import torch

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)

        with torch.inference_mode():
            tokens = self.tokenizer(list(texts))
            if can_trim(self.model):
                vectors = encode_trimmed(self.model, tokens).float().numpy()
            else:
                vectors = self.model.encode_text(tokens, normalize=True).float().numpy()

        return _unit_rows(vectors)


def _unit_rows(vectors):
    # encode_* already normalises; doing it again in float32 after the
    # conversion keeps every stored norm within 1e-6 of 1.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def get_encoder():
    """The loaded encoder for the configured model, loading it if needed.

    Raises search.weights.WeightsMissing when the weights are not on this
    machine. A change of configuration (as in tests) loads the new model.
    """
    config = clip_config()
    encoder = _loaded.get(config)
    if encoder is not None:
        return encoder

    with _lock:
        encoder = _loaded.get(config)
        if encoder is None:
            encoder = _load(config)
            # One model per process: a replaced configuration frees the old.
            _loaded.clear()
            _loaded[config] = encoder
    return encoder


def _load(config):
    weights = find_weights(config)
    # A file that failed to load is not read again until it changes.
    stamp = (config, str(weights), weights.stat().st_mtime_ns)
    if stamp in _failed:
        raise WeightsMissing(
            _failed[stamp], fix="python manage.py clip_model import PATH"
        )

    try:
        return ClipEncoder(config, weights).load()
    except LOAD_ERRORS as err:
        message = "The CLIP checkpoint %s could not be loaded: %s" % (weights, err)
        logger.warning("%s", message)
        _failed[stamp] = message
        raise WeightsMissing(
            message, fix="python manage.py clip_model import PATH"
        ) from err


def load_failure(config, weights):
    """Why this process could not load ``weights``, or "" if it did not fail."""
    stamp = (config, str(weights), weights.stat().st_mtime_ns)
    return _failed.get(stamp, "")


def loaded_identity():
    """Identity of the model loaded in this process, or None."""
    for encoder in _loaded.values():
        return encoder.identity
    return None
