"""The search page: ranked grid, scores, paging, similar, example images."""

import re

import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.django_db

CARD = re.compile(
    r'<li class="card result" data-asset-id="([0-9a-f-]+)"[^>]*data-score="([-0-9.]+)"'
)


def cards(response):
    assert response.status_code == 200, response.content[:500]
    return [
        (asset_id, float(score))
        for asset_id, score in CARD.findall(response.content.decode())
    ]


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_results_are_a_ranked_grid_opening_each_asset(clip, corpus_photos, signed_in):
    response = signed_in.get("/search/", {"q": "coins"})

    found = cards(response)
    html = response.content.decode()
    assert len(found) == len(corpus_photos)
    assert found[0][0] == str(corpus_photos["coins.png"].id)
    assert [score for _, score in found] == sorted(
        (score for _, score in found), reverse=True
    )
    # each card opens its asset, and shows its score with the reasons on hover
    assert 'href="/assets/%s/"' % corpus_photos["coins.png"].id in html
    assert re.search(
        r'title="coins.png — score [-0-9.]+: clip [-+0-9.]+, keyword \+0.200', html
    )
    assert 'class="score"' in html
    assert html.count("Find similar") == len(corpus_photos)


def test_paging(clip, ingest_copy, signed_in, monkeypatch):
    import search.views.page as page_module

    monkeypatch.setattr(page_module, "PAGE_SIZE", 2)
    for name in ["chelsea.png", "coffee.png", "rocket.jpg", "horse.png", "brick.png"]:
        ingest_copy("photos/" + name)

    first = signed_in.get("/search/", {"q": "something"})
    third = signed_in.get("/search/", {"q": "something", "page": 3})

    seen = [
        asset
        for page in (1, 2, 3)
        for asset, _ in cards(
            signed_in.get("/search/", {"q": "something", "page": page})
        )
    ]
    assert len(seen) == 5 and len(set(seen)) == 5
    assert 'rel="next" href="?q=something&amp;page=2"' in first.content.decode()
    assert 'rel="next"' not in third.content.decode()
    assert 'rel="prev" href="?q=something&amp;page=2"' in third.content.decode()


def test_find_similar_from_a_result(clip, corpus_photos, signed_in):
    obama = corpus_photos["obama.jpg"]

    response = signed_in.get("/search/", {"similar": str(obama.id)})

    found = [asset for asset, _ in cards(response)]
    assert "Similar to" in response.content.decode()
    assert str(obama.id) not in found
    assert len(found) == len(corpus_photos) - 1


def test_dropping_an_image_on_the_search_bar(clip, corpus_photos, signed_in):
    with open(CORPUS / "photos" / "horse.png", "rb") as image:
        posted = signed_in.post("/search/", {"image": image, "kind": "image"})

    assert posted.status_code == 302
    assert posted["Location"].startswith("/search/?example=")
    assert "kind=image" in posted["Location"]
    response = signed_in.get(posted["Location"])
    assert cards(response)[0][0] == str(corpus_photos["horse.png"].id)
    assert "Looks like horse.png" in response.content.decode()


def test_a_bad_example_file_is_explained(clip, signed_in, tmp_path):
    fake = tmp_path / "cat.jpg"
    fake.write_text("this is text, not a picture")

    with open(fake, "rb") as handle:
        response = signed_in.post("/search/", {"image": handle})

    assert response.status_code == 400
    assert "Unsupported file type" in response.content.decode()


def test_the_search_bar_offers_search_by_image(clip, signed_in):
    html = signed_in.get("/search/").content.decode()

    assert 'id="search-box"' in html
    assert 'id="search-image"' in html and 'accept="image/*"' in html


def test_search_page_needs_sign_in(client):
    response = client.get("/search/", {"q": "cat"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_every_page_offers_search_by_image_and_assets_offer_find_similar(
    clip, ingest_copy, signed_in
):
    asset = ingest_copy("photos/coffee.png")

    library = signed_in.get("/").content.decode()
    detail = signed_in.get("/assets/%s/" % asset.id).content.decode()

    assert 'id="search-image"' in library
    assert 'href="/search/?similar=%s"' % asset.id in detail
