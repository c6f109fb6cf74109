"""Query by example: a photo, or a altered copy of it, finds its original."""

import io

import pytest
from PIL import Image

from tests.conftest import CORPUS
from tests.search.conftest import PHOTOS

pytestmark = pytest.mark.django_db


def post_image(api_client, path_or_bytes, name="query.jpg", **params):
    data = (
        path_or_bytes
        if isinstance(path_or_bytes, bytes)
        else path_or_bytes.read_bytes()
    )
    upload = io.BytesIO(data)
    upload.name = name
    with upload:
        response = api_client.post(
            "/api/search/", {"image": upload, **params}, format="multipart"
        )
    return response


def altered(path):
    """Half size, 5% cropped off each side, JPEG quality 40."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        width, height = image.size
        dx, dy = int(width * 0.05), int(height * 0.05)
        image = image.crop((dx, dy, width - dx, height - dy))
        image = image.resize(
            (image.width // 2, image.height // 2), Image.Resampling.LANCZOS
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=40)
    return buffer.getvalue()


def test_every_photo_finds_itself_first_and_its_altered_copy_in_top_3(
    clip, corpus_photos, api_client
):
    # given: the whole corpus, embedded by the pipeline
    wrong_self, wrong_copy = [], []

    for name in PHOTOS:
        asset_id = str(corpus_photos[name].id)

        # when: the photo itself is the query
        response = post_image(api_client, CORPUS / "photos" / name, name=name, limit=3)
        assert response.status_code == 200, response.content
        ranked = [result["asset"] for result in response.json()["results"]]
        if ranked[:1] != [asset_id]:
            wrong_self.append(name)

        # when: a smaller, cropped, re-compressed copy is the query
        response = post_image(api_client, altered(CORPUS / "photos" / name), limit=3)
        ranked = [result["asset"] for result in response.json()["results"]]
        if asset_id not in ranked[:3]:
            wrong_copy.append(name)

    # then
    assert wrong_self == [], "not first for their own file"
    assert wrong_copy == [], "altered copy missed its original in the top 3"


def test_query_image_is_not_stored(clip, ingest_copy, api_client):
    from dam.models import Asset

    ingest_copy("photos/coffee.png")

    response = post_image(
        api_client, CORPUS / "photos" / "rocket.jpg", name="rocket.jpg"
    )

    assert response.status_code == 200
    assert Asset.objects.count() == 1
    assert len(response.json()["results"]) == 1
