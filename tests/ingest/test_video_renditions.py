"""Video ingest through the whole pipeline: poster, preview, thumbnail, hash."""

import pytest

from tests.ingest.pictures import ingest, rendition_image

pytestmark = pytest.mark.django_db


def test_corpus_video_gets_poster_preview_thumbnail_and_hash(copy_of):
    # given the corpus clip (640x360, opens on the cat)
    path = copy_of("video/cat_rocket_coffee.mp4")

    # when
    asset = ingest(path)

    # then
    assert asset.status == "ready", asset.error
    poster = asset.rendition("poster")
    assert (poster.mime_type, poster.width, poster.height) == ("image/jpeg", 640, 360)
    assert rendition_image(asset, "poster").size == (640, 360)
    assert rendition_image(asset, "preview").size == (640, 360)
    assert rendition_image(asset, "thumbnail").size == (320, 180)
    assert asset.phash is not None


def test_video_and_its_opening_photo_hash_alike(copy_of):
    # given the clip, whose first seconds are chelsea.png, and three photos
    video = ingest(copy_of("video/cat_rocket_coffee.mp4"))
    cat = ingest(copy_of("photos/chelsea.png"))
    others = [
        ingest(copy_of("photos/" + name)) for name in ("rocket.jpg", "coffee.png")
    ]

    def distance(first, second):
        return bin((first.phash ^ second.phash) & 0xFFFFFFFFFFFFFFFF).count("1")

    # The clip is the photo stretched to 16:9, so the hash is near, not equal.
    assert all(distance(video, cat) < distance(video, other) for other in others)
