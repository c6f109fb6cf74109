"""The search API: words, similar, example image; filters; auth; schema."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import CORPUS
from tests.search.test_image_query import post_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(clip, ingest_copy, user):
    names = ["chelsea.png", "coffee.png", "rocket.jpg", "grace_hopper.jpg", "brick.png"]
    assets = {name: ingest_copy("photos/" + name, user=user) for name in names}
    assets["video"] = ingest_copy("video/cat_rocket_coffee.mp4")
    return assets


def result_ids(response):
    assert response.status_code == 200, response.content
    return [result["asset"] for result in response.json()["results"]]


def test_search_by_words_ranks_everything_and_explains_the_score(library, api_client):
    response = api_client.get("/api/search/", {"q": "chelsea", "limit": 10})

    results = response.json()["results"]
    assert response.json()["mode"] == "text"
    assert len(results) == 6
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    # the file whose name holds a query word comes first, and says why
    top = results[0]
    assert top["asset"] == str(library["chelsea.png"].id)
    assert set(top["signals"]) == {"clip", "keyword"}
    assert top["score"] == pytest.approx(sum(top["signals"].values()))
    assert top["reasons"] == ['matches "chelsea"']
    assert top["thumbnail"].endswith("/assets/%s/renditions/thumbnail" % top["asset"])
    assert top["time"] is None


def test_limit_and_offset_page_through_the_ranking(library, api_client):
    everything = result_ids(
        api_client.get("/api/search/", {"q": "a photo", "limit": 6})
    )
    first = api_client.get("/api/search/", {"q": "a photo", "limit": 4}).json()
    second = api_client.get(
        "/api/search/", {"q": "a photo", "limit": 4, "offset": 4}
    ).json()

    assert [r["asset"] for r in first["results"] + second["results"]] == everything
    assert first["has_more"] is True
    assert second["has_more"] is False


def test_similar_returns_other_assets_most_alike_first(library, api_client):
    cat = library["chelsea.png"]

    ranked = result_ids(
        api_client.get("/api/search/", {"similar": str(cat.id), "limit": 10})
    )

    assert str(cat.id) not in ranked
    assert len(ranked) == 5
    # the video's poster is the cat (seconds 0-4 show chelsea.png)
    assert ranked[0] == str(library["video"].id)


def test_similar_with_kind_filter(library, api_client):
    cat = library["chelsea.png"]

    ranked = result_ids(
        api_client.get(
            "/api/search/", {"similar": str(cat.id), "kind": "image", "limit": 10}
        )
    )

    assert str(library["video"].id) not in ranked
    assert len(ranked) == 4


def test_search_by_example_image_with_filters(library, api_client):
    photo = CORPUS / "photos" / "rocket.jpg"

    anything = result_ids(post_image(api_client, photo, limit=3))
    videos = result_ids(post_image(api_client, photo, kind="video"))
    nobody = result_ids(post_image(api_client, photo, uploader="nobody"))

    assert anything[0] == str(library["rocket.jpg"].id)
    assert len(anything) == 3
    assert videos == [str(library["video"].id)]
    assert nobody == []


def test_filters_apply_to_words_too(library, api_client):
    ranked = result_ids(
        api_client.get("/api/search/", {"q": "chelsea", "kind": "video"})
    )
    assert ranked == [str(library["video"].id)]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "cat", "similar": "5f0f5240-77c1-4998-930c-faa01672f46d"},
        {"q": "cat", "kind": "document"},
        {"q": "cat", "after": "yesterday"},
        {"q": "cat", "after": "2024-02-01", "before": "2024-01-01"},
        {"q": "cat", "limit": 0},
    ],
)
def test_bad_parameters_are_refused(clip, api_client, params):
    assert api_client.get("/api/search/", params).status_code == 400


def test_similar_to_an_unknown_asset_is_404(clip, api_client):
    response = api_client.get(
        "/api/search/", {"similar": "5f0f5240-77c1-4998-930c-faa01672f46d"}
    )
    assert response.status_code == 404


def test_an_example_that_is_not_an_image_is_refused(clip, api_client, tmp_path):
    response = post_image(api_client, b"%PDF-1.7 not an image", name="cat.jpg")
    video = post_image(
        api_client,
        (CORPUS / "video" / "cat_rocket_coffee.mp4").read_bytes(),
        name="x.jpg",
    )

    assert response.status_code == 400
    assert "Unsupported file type" in response.json()["image"][0]
    assert video.status_code == 400
    assert "takes an image" in video.json()["image"][0]


def test_an_example_over_the_size_limit_is_refused(clip, api_client, settings):
    settings.DAM_SEARCH_MAX_EXAMPLE_BYTES = 1000

    response = post_image(api_client, CORPUS / "photos" / "rocket.jpg")

    assert response.status_code == 400
    assert "limit" in response.json()["image"][0]


def test_search_needs_a_token_or_a_session(clip, client, user):
    assert APIClient().get("/api/search/", {"q": "cat"}).status_code == 401
    client.force_login(user)
    assert client.get("/api/search/", {"q": "cat"}).status_code == 200


def test_schema_describes_the_search_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    search = schema["paths"]["/api/search/"]
    assert {"get", "post"} <= set(search)
    names = {parameter["name"] for parameter in search["get"]["parameters"]}
    assert {"q", "similar", "kind", "after", "before", "uploader", "limit"} <= names
    assert "multipart/form-data" in search["post"]["requestBody"]["content"]
