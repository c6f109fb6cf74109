"""Without CLIP weights the app runs, says so, and searches by words."""

import time

import pytest

from ingest.models import IngestStep
from tests.conftest import CORPUS
from tests.search.test_image_query import post_image

pytestmark = pytest.mark.django_db


def test_ingest_leaves_the_embedding_waiting_and_the_asset_ready(no_clip, ingest_copy):
    asset = ingest_copy("photos/chelsea.png")

    assert asset.status == "ready", asset.error
    step = IngestStep.objects.get(asset=asset, name="embedding")
    assert step.state == "waiting"
    assert "clip_model download" in step.error
    assert not asset.embeddings.exists()


def test_ingest_does_not_hang_trying_to_download(no_clip, ingest_copy):
    # open_clip given a tag on a machine offline waits ~45 s; the weights
    # must be looked for on disk instead. A generous bound: it is ~1 s.
    started = time.monotonic()
    ingest_copy("photos/coffee.png")
    assert time.monotonic() - started < 20


def test_healthz_reports_the_missing_model_and_the_fix(no_clip, client):
    response = client.get("/healthz")

    clip = response.json()["models"]["clip"]
    assert clip["ready"] is False
    assert clip["model"] == "ViT-B-32/openai"
    assert clip["fix"].startswith("python manage.py clip_model download")
    assert "not installed" in clip["error"]


def test_pages_show_a_banner_with_the_command(no_clip, client, user):
    client.force_login(user)

    response = client.get("/search/")

    banner = response.content.decode()
    assert "Visual search is off" in banner
    assert "python manage.py clip_model download" in banner
    assert "python manage.py clip_model import PATH" in banner


def test_search_by_file_name_still_works(no_clip, ingest_copy, client, user):
    cat = ingest_copy("photos/chelsea.png")
    ingest_copy("photos/coffee.png")
    hopper = ingest_copy("photos/grace_hopper.jpg")
    client.force_login(user)

    page = client.get("/search/", {"q": "chelsea"}).content.decode()
    api = client.get("/api/search/", {"q": "hopper"}).json()

    assert 'data-asset-id="%s"' % cat.id in page
    assert page.count('class="card result"') == 1
    assert "match names, titles, descriptions and keywords only" in page
    assert [result["asset"] for result in api["results"]] == [str(hopper.id)]
    assert api["mode"] == "keywords"
    assert api["fix"].startswith("python manage.py clip_model download")


def test_search_by_title_description_and_keywords(no_clip, ingest_copy, api_client):
    from dam.models import Asset

    rocket = ingest_copy("photos/rocket.jpg")
    coffee = ingest_copy("photos/coffee.png")
    horse = ingest_copy("photos/horse.png")
    Asset.objects.filter(pk=rocket.pk).update(title="Falcon launch")
    Asset.objects.filter(pk=coffee.pk).update(
        description="Morning espresso on the terrace"
    )
    Asset.objects.filter(pk=horse.pk).update(
        metadata={"keywords": ["stallion", "silhouette"]}
    )

    def found(words):
        response = api_client.get("/api/search/", {"q": words})
        return [result["asset"] for result in response.json()["results"]]

    assert found("falcon") == [str(rocket.id)]
    assert found("espresso") == [str(coffee.id)]
    assert found("stallion") == [str(horse.id)]
    # a word inside another word does not count
    assert found("spresso") == []
    # name, title and keywords weigh more than the description
    Asset.objects.filter(pk=horse.pk).update(description="not a falcon")
    assert found("falcon") == [str(rocket.id), str(horse.id)]


def test_image_and_similar_searches_say_what_is_missing(
    no_clip, ingest_copy, api_client
):
    cat = ingest_copy("photos/chelsea.png")

    by_image = post_image(api_client, CORPUS / "photos" / "chelsea.png")
    similar = api_client.get("/api/search/", {"similar": str(cat.id)})

    for response in (by_image, similar):
        assert response.status_code == 503
        assert response.json()["fix"].startswith("python manage.py clip_model download")


def test_a_broken_checkpoint_is_reported_not_raised(
    settings, tmp_path, data_dir, ingest_copy, client
):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    settings.DAM_CLIP_MODEL = "ViT-B-32"
    settings.DAM_CLIP_PRETRAINED = str(broken)

    asset = ingest_copy("photos/coffee.png")
    health = client.get("/healthz").json()["models"]["clip"]

    assert asset.status == "ready"
    assert IngestStep.objects.get(asset=asset, name="embedding").state == "waiting"
    assert health["ready"] is False
    assert "could not be loaded" in health["error"]
