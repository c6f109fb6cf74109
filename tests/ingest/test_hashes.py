"""Image ingest: perceptual hashes find the same picture in another file."""

import pytest
from PIL import Image

from tests.ingest.pictures import ingest

pytestmark = pytest.mark.django_db


def distance(first, second):
    return bin((first.phash ^ second.phash) & 0xFFFFFFFFFFFFFFFF).count("1")


def test_same_photo_resized_and_recompressed_hashes_alike(copy_of, tmp_path):
    # given a photo, a half-size JPEG copy of it, and another photo
    original = copy_of("photos/chelsea.png")
    with Image.open(original) as cat:
        copy = tmp_path / "chelsea-small.jpg"
        half = cat.convert("RGB").resize((cat.width // 2, cat.height // 2))
        half.save(copy, quality=70)
    other = copy_of("photos/rocket.jpg")

    # when all three are ingested
    cat_asset, copy_asset, rocket_asset = ingest(original), ingest(copy), ingest(other)

    # then the copies are near and the different photo is far
    assert distance(cat_asset, copy_asset) <= 6
    assert distance(cat_asset, rocket_asset) >= 16
    assert len(cat_asset.phash_hex) == 16
    assert -(2**63) <= cat_asset.phash < 2**63


def test_hash_step_remakes_a_thumbnail_removed_since(copy_of):
    # given a processed photo whose thumbnail was removed afterwards
    asset = ingest(copy_of("photos/coffee.png"))
    expected = asset.phash
    asset.renditions.filter(name="thumbnail").delete()

    # when the hash step runs again
    from ingest.hashes import compute_phash

    compute_phash(asset)

    # then the thumbnail is back and the hash is the same
    assert asset.renditions.filter(name="thumbnail").exists()
    assert asset.phash == expected
