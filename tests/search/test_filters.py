"""Filters are part of the ranking query: a narrow filter still fills its page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dam.models import Asset
from search.filters import SearchFilters
from search.services import search_image, search_text
from tests.conftest import CORPUS
from tests.search.conftest import PHOTOS, VIDEO
from tests.search.test_image_query import post_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos_and_video(clip, corpus_photos, ingest_copy):
    video = ingest_copy(VIDEO)
    assert video.status == "ready", video.error
    assert video.embeddings.filter(model=clip).exists()
    return corpus_photos, video


def query_image(name):
    from PIL import Image

    with Image.open(CORPUS / "photos" / name) as image:
        return image.convert("RGB")


def test_a_query_restricted_to_videos_returns_only_the_video(photos_and_video):
    photos, video = photos_and_video

    # when: the nearest vectors of brick.png are all photos
    everything = search_image(query_image("brick.png"), limit=len(PHOTOS) + 1)
    only_videos = search_image(
        query_image("brick.png"), SearchFilters(kind="video"), limit=5
    )

    # then
    ranked = [result.asset_id for result in everything.results]
    assert ranked[0] == photos["brick.png"].id
    assert ranked.index(video.id) > 0
    assert [result.asset_id for result in only_videos.results] == [video.id]


def test_the_filter_runs_inside_the_hnsw_scan_not_after_it(settings, photos_and_video):
    photos, video = photos_and_video
    # given: a candidate list of 1, and a planner made to use the index even
    # on a table this small; without iterative scans the one candidate (a
    # photo) would be dropped by the filter and the page come back empty
    settings.DAM_HNSW_EF_SEARCH = 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    # when
    with CaptureQueriesContext(connection) as queries:
        page = search_image(
            query_image("rocket.jpg"), SearchFilters(kind="video"), limit=1
        )

    # then
    assert [result.asset_id for result in page.results] == [video.id]
    ranking_sql = next(
        q["sql"] for q in queries if "<=>" in q["sql"] and "LIMIT" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
        cursor.execute("EXPLAIN " + ranking_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_embedding_hnsw_" in plan, plan


def test_a_scan_that_gives_up_early_is_completed_exactly(settings, photos_and_video):
    photos, video = photos_and_video
    settings.DAM_HNSW_EF_SEARCH = 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # the iterative scan stops after one tuple
        cursor.execute("SET LOCAL hnsw.max_scan_tuples = 1")

    page = search_image(query_image("rocket.jpg"), SearchFilters(kind="video"), limit=3)

    assert [result.asset_id for result in page.results] == [video.id]


def test_date_range_and_uploader_filters(
    clip, ingest_copy, django_user_model, api_client, user
):
    other = django_user_model.objects.create_user("photographer", password="x" * 12)
    cat = ingest_copy("photos/chelsea.png", user=user)
    coffee = ingest_copy("photos/coffee.png", user=other)
    rocket = ingest_copy("photos/rocket.jpg", user=other)
    Asset.objects.filter(pk=cat.pk).update(
        captured_at=datetime.datetime(2019, 5, 2, 12, tzinfo=datetime.UTC)
    )
    Asset.objects.filter(pk=coffee.pk).update(
        captured_at=datetime.datetime(2021, 1, 31, 23, 59, tzinfo=datetime.UTC)
    )
    # rocket has no capture date: it is dated by its upload (today)

    def ranked(**params):
        response = post_image(api_client, (CORPUS / "photos" / "chelsea.png"), **params)
        assert response.status_code == 200, response.content
        return {result["asset"] for result in response.json()["results"]}

    assert ranked() == {str(cat.id), str(coffee.id), str(rocket.id)}
    assert ranked(before="2020-12-31") == {str(cat.id)}
    assert ranked(after="2021-01-31", before="2021-01-31") == {str(coffee.id)}
    today = datetime.date.today().isoformat()
    assert ranked(after=today) == {str(rocket.id)}
    assert ranked(after=today, dated_by="uploaded") == {
        str(cat.id),
        str(coffee.id),
        str(rocket.id),
    }
    assert ranked(uploader="photographer") == {str(coffee.id), str(rocket.id)}
    assert ranked(uploader="photographer", kind="video") == set()


def test_text_search_with_filters_keeps_to_them(clip, ingest_copy, user):
    ingest_copy("photos/chelsea.png", user=user)
    ingest_copy("photos/coffee.png")

    page = search_text("chelsea", SearchFilters(uploader="nobody"))

    assert page.results == []
