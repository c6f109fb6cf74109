"""Image ingest: damaged, fake and oversized files are refused or fail
with a reason, and do not hold up the files after them."""

import pytest
from django.core.files.storage import default_storage

from dam.models import Asset
from ingest.pipeline import run_pipeline
from ingest.uploads import UploadRefused, ingest_file
from tests.ingest.pictures import ingest, png_bomb, red_top

pytestmark = pytest.mark.django_db


def test_truncated_jpeg_fails_with_a_reason_and_the_next_file_is_fine(tmp_path):
    # given a photo cut off halfway through its upload
    whole = tmp_path / "whole.jpg"
    red_top((1200, 900)).effect_spread(4).save(whole, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    # when it is ingested, then a good photo after it
    broken = ingest(cut)
    good = ingest(whole)

    # then the broken one says why, and the good one is unaffected
    assert broken.status == "failed"
    assert "truncated or damaged" in broken.error
    assert broken.rendition("thumbnail") is None
    assert good.status == "ready", good.error
    assert good.rendition("thumbnail") is not None


def test_garbage_after_a_jpeg_header_fails_with_a_reason(tmp_path):
    path = tmp_path / "scrambled.jpg"
    red_top((640, 480)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[:4] + bytes(range(256)) * 40)

    asset = ingest(path)

    assert asset.status == "failed"
    assert asset.error.startswith("The ")
    assert "Traceback" not in asset.error


def test_text_file_named_jpg_is_refused(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("Meeting notes: bring the photos.\n" * 20)

    with pytest.raises(UploadRefused, match="Unsupported file type"):
        ingest_file(str(path), path.name)

    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    "width, height", [(20000, 20000), (14000, 14000)], ids=["400MP", "196MP"]
)
def test_decompression_bomb_is_refused_at_upload(tmp_path, width, height):
    # given a valid PNG of a few hundred kilobytes that would decode to
    # hundreds of megapixels
    path = tmp_path / "bomb.png"
    png_bomb(path, width, height)
    assert path.stat().st_size < 1_000_000

    with pytest.raises(UploadRefused, match="too large|pixels"):
        ingest_file(str(path), path.name)

    assert not Asset.objects.exists()
    assert default_storage.listdir("")[0] == []


def test_missing_original_is_a_storage_problem_not_a_bad_file(tmp_path):
    # given an accepted photo whose stored original has gone missing
    path = tmp_path / "photo.jpg"
    red_top((640, 480)).save(path)
    asset = ingest_file(str(path), path.name).asset
    asset.original.storage.delete(asset.original.name)

    # when the pipeline runs, the error is left for the task to retry
    with pytest.raises(FileNotFoundError):
        run_pipeline(asset.id)

    # then the asset is not marked as a damaged file
    asset.refresh_from_db()
    assert asset.status != "failed"
    assert asset.error == ""
