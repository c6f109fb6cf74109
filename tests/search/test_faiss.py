"""The FAISS backend answers the same queries, kept in step with the database."""

import pytest
from django.core.management import call_command
from PIL import Image

from search.backends import get_backend
from search.backends.faiss import index_path
from search.filters import SearchFilters
from search.services import search_image, search_text
from tests.conftest import CORPUS
from tests.search.conftest import PHOTOS
from tests.search.test_image_query import altered

pytestmark = pytest.mark.django_db


@pytest.fixture
def faiss_backend(settings, clip):
    settings.DAM_VECTOR_BACKEND = "faiss"
    return get_backend()


def photo(name):
    with Image.open(CORPUS / "photos" / name) as image:
        return image.convert("RGB")


def test_every_photo_finds_itself_and_its_altered_copy(faiss_backend, corpus_photos):
    import io

    wrong = []
    for name in PHOTOS:
        own = search_image(photo(name), limit=1).results
        copy = search_image(
            Image.open(io.BytesIO(altered(CORPUS / "photos" / name))), limit=3
        )
        if own[0].asset_id != corpus_photos[name].id:
            wrong.append(name)
        if corpus_photos[name].id not in [result.asset_id for result in copy.results]:
            wrong.append(name + " (copy)")
    assert wrong == []


def test_kind_filter_returns_only_the_video(faiss_backend, corpus_photos, ingest_copy):
    video = ingest_copy("video/cat_rocket_coffee.mp4")

    page = search_image(photo("brick.png"), SearchFilters(kind="video"), limit=5)

    assert [result.asset_id for result in page.results] == [video.id]


def test_new_and_deleted_assets_are_seen_at_once(faiss_backend, ingest_copy):
    coffee = ingest_copy("photos/coffee.png")
    coffee_id = coffee.id
    assert [r.asset_id for r in search_image(photo("rocket.jpg")).results] == [
        coffee_id
    ]

    # when: an asset arrives after the index was built, and one is deleted
    rocket = ingest_copy("photos/rocket.jpg")
    after_add = search_image(photo("rocket.jpg")).results
    coffee.delete()
    after_delete = search_image(photo("rocket.jpg")).results

    # then
    assert [r.asset_id for r in after_add] == [rocket.id, coffee_id]
    assert [r.asset_id for r in after_delete] == [rocket.id]


def test_rebuild_writes_an_index_that_a_new_process_loads(
    faiss_backend, clip, ingest_copy
):
    from search.backends.faiss import FaissBackend

    cat = ingest_copy("photos/chelsea.png")
    ingest_copy("photos/coffee.png")

    call_command("vector_index", "rebuild")

    path = index_path(clip, 128)
    assert path.is_file()
    fresh = FaissBackend()
    model_index = fresh._index(clip, 128)
    assert model_index.index.ntotal == 2
    assert search_text("chelsea").results[0].asset_id == cat.id
