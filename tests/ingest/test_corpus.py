"""Image ingest of the real photos in the shared corpus."""

from datetime import UTC, datetime

import pytest
from PIL import Image, ImageOps

from tests.conftest import CORPUS
from tests.ingest.pictures import ingest, rendition_image

pytestmark = pytest.mark.django_db

PHOTOS = sorted(path.name for path in (CORPUS / "photos").iterdir())


@pytest.mark.parametrize("name", PHOTOS)
def test_corpus_photo_is_ready_with_its_renditions(copy_of, name):
    path = copy_of("photos/" + name)
    with Image.open(path) as original:
        expected_size = ImageOps.exif_transpose(original).size

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == expected_size
    assert asset.phash is not None
    preview = rendition_image(asset, "preview")
    thumbnail = rendition_image(asset, "thumbnail")
    assert max(preview.size) == min(1600, max(expected_size))
    assert max(thumbnail.size) == min(320, max(expected_size))
    # The shape survives: the aspect ratio is kept to within a pixel.
    width, height = expected_size
    assert thumbnail.height == pytest.approx(thumbnail.width * height / width, abs=1)
    assert thumbnail.getextrema() != ((0, 0), (0, 0), (0, 0))


def test_real_camera_metadata_is_read(copy_of):
    # obama.jpg is a White House photo straight from a Canon, with a caption
    asset = ingest(copy_of("photos/obama.jpg"))

    assert asset.camera == "Canon EOS 5D Mark III"
    assert asset.captured_at == datetime(2012, 12, 6, 15, 46, 1, tzinfo=UTC)
    assert asset.description.startswith("President Barack Obama is photographed")
    assert asset.metadata["exif"]["LensModel"] == "EF85mm f/1.2L USM"
    assert asset.metadata["exif"]["FNumber"] == pytest.approx(7.1)
