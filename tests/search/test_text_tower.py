"""Text queries run on their own tokens only, with the same vectors."""

import numpy as np
import pytest

from search.encoder import get_encoder
from search.text_tower import can_trim, encode_trimmed

pytestmark = pytest.mark.django_db


def test_trimmed_text_tower_gives_the_vectors_of_the_full_one(clip):
    # given the model and texts of different lengths in one batch
    import torch

    encoder = get_encoder()
    texts = ["rocket", "a red bicycle leaning on a wall at the beach at sunset",
             "cat", "x " * 100]
    tokens = encoder.tokenizer(texts)

    # when
    with torch.inference_mode():
        full = encoder.model.encode_text(tokens, normalize=True).numpy()
        trimmed = encode_trimmed(encoder.model, tokens).numpy()

    # then
    assert can_trim(encoder.model)
    assert np.allclose(full, trimmed, atol=1e-5)
    assert np.allclose(encoder.embed_texts(texts), full, atol=1e-5)
