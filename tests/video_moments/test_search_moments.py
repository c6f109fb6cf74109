"""Searching finds the moment inside a video: the API answers with its time,
a thumbnail of that frame, and the video only once."""

import io
import re

import pytest
from PIL import Image

from dam.models import Asset
from search.models import Embedding
from tests.conftest import CORPUS
from tests.ingest.videos import ffmpeg
from tests.search.conftest import ingest
from tests.video_moments.scenes import SCENES, VIDEO, nearest_scene

pytestmark = pytest.mark.django_db


def post_image(api_client, path, **params):
    upload = io.BytesIO(path.read_bytes())
    upload.name = path.name
    with upload:
        return api_client.post(
            "/api/search/", {"image": upload, **params}, format="multipart"
        )


def results_of(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def picture_at(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def library(clip, ingest_copy):
    """The corpus video, its three source photos and two unrelated photos."""
    video = ingest_copy(VIDEO)
    assert video.status == Asset.Status.READY, video.error
    photos = {
        name: ingest_copy("photos/" + name)
        for name in [*SCENES, "brick.png", "grace_hopper.jpg"]
    }
    return video, photos


@pytest.mark.parametrize("photo", list(SCENES))
def test_a_photo_query_finds_the_video_at_the_second_it_is_shown(
    library, api_client, client, user, photo
):
    # given: the video and photos ingested by the real pipeline
    video, _ = library
    start, end = SCENES[photo]

    # when: the photo is posted as the query
    results = results_of(post_image(api_client, CORPUS / "photos" / photo, limit=10))

    # then: the video is one result, at a time inside the scene
    of_video = [result for result in results if result["asset"] == str(video.id)]
    assert len(of_video) == 1
    moment = of_video[0]
    assert start <= moment["time"] < end
    # and its thumbnail is the frame at that time, showing that photo
    client.force_login(user)
    assert nearest_scene(picture_at(client, moment["thumbnail"])) == photo


def test_photos_have_no_time_and_their_own_thumbnail(library, api_client):
    _, photos = library

    results = results_of(post_image(api_client, CORPUS / "photos" / "brick.png"))

    brick = next(r for r in results if r["asset"] == str(photos["brick.png"].id))
    assert brick["time"] is None
    assert brick["thumbnail"].endswith("/renditions/thumbnail")


def test_similar_to_a_photo_finds_the_video_where_it_shows_it(library, api_client):
    video, photos = library

    response = api_client.get(
        "/api/search/", {"similar": str(photos["rocket.jpg"].id), "limit": 10}
    )

    moment = next(r for r in results_of(response) if r["asset"] == str(video.id))
    assert 4.0 <= moment["time"] < 8.0


def test_a_text_query_answers_a_video_with_one_of_its_moments(library, api_client):
    # The tiny model's text tower has random weights: which moment wins
    # means nothing, but the answer must name one of the sampled frames.
    video, _ = library

    results = results_of(api_client.get("/api/search/", {"q": "a cat", "limit": 10}))

    of_video = [result for result in results if result["asset"] == str(video.id)]
    assert len(of_video) == 1
    frame_times = set(video.frames.values_list("time", flat=True))
    assert of_video[0]["time"] in frame_times


def test_a_video_whose_frames_crowd_the_top_still_leaves_room_for_others(
    clip, ingest_copy, api_client, tmp_path
):
    # given: a 20 s slow zoom into the rocket photo (a frame kept every 2 s,
    # all alike) and three photos
    path = tmp_path / "zoom.mp4"
    ffmpeg(
        "-loop",
        "1",
        "-i",
        CORPUS / "photos" / "rocket.jpg",
        "-vf",
        "scale=640:360,zoompan=z='1+0.02*on/25':d=500:s=640x360:fps=25",
        "-t",
        "20",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        path,
    )
    video = ingest(path)
    assert video.frames.count() >= 8
    photos = [
        ingest_copy("photos/" + name)
        for name in ("rocket.jpg", "coffee.png", "brick.png")
    ]

    # when: three results are asked for, by the photo the video shows
    page = post_image(api_client, CORPUS / "photos" / "rocket.jpg", limit=3).json()

    # then: three different assets, and a next page with the fourth
    ranked = [result["asset"] for result in page["results"]]
    assert len(set(ranked)) == 3
    assert str(video.id) in ranked
    assert str(photos[0].id) in ranked
    assert page["has_more"] is True


def test_each_moment_is_stored_beside_the_photos_with_its_time(library, clip):
    video, photos = library

    moments = Embedding.objects.filter(asset=video, model=clip, time__isnull=False)
    photo_rows = Embedding.objects.filter(asset__in=photos.values(), model=clip)

    # one row per kept frame, same model and dimension as the photos'
    assert sorted(moments.values_list("time", flat=True)) == sorted(
        video.frames.values_list("time", flat=True)
    )
    assert {row.dimension for row in moments} == {row.dimension for row in photo_rows}
    # the still scenes each give one frame, at the cut
    assert [round(t, 1) for t in sorted(moments.values_list("time", flat=True))] == [
        0.0,
        4.0,
        8.0,
    ]


def test_the_search_page_links_a_moment_to_the_player_at_its_time(library, signed_in):
    video, photos = library

    response = signed_in.get("/search/", {"similar": str(photos["coffee.png"].id)})

    html = response.content.decode()
    card = re.search(
        r'<li class="card result" data-asset-id="%s".*?</li>' % video.id, html, re.S
    ).group(0)
    link = re.search(r'href="([^"]+)"', card).group(1)
    path, _, seconds = link.partition("#t=")
    assert path == "%s?similar=%s" % (video.get_absolute_url(), photos["coffee.png"].id)
    assert 8.0 <= float(seconds) < 12.0
    # the card shows that frame and its time
    image = re.search(r'<img src="([^"]+)"', card).group(1)
    assert nearest_scene(picture_at(signed_in, image)) == "coffee.png"
    assert re.search(r'badge-video">0:(08|09|10|11)<', card)


def test_a_video_ranked_by_its_poster_is_shown_at_its_best_frame(library, clip):
    # given: a hit on the video as a whole (its poster's row names no time)
    from search.backends import VectorHit
    from search.moments import with_moment_times

    video, photos = library
    rocket = Embedding.objects.get(asset=photos["rocket.jpg"], model=clip)
    whole = VectorHit(asset_id=video.id, time=None, similarity=0.5)
    photo = VectorHit(asset_id=photos["brick.png"].id, time=None, similarity=0.4)

    # when
    timed = with_moment_times([whole, photo], rocket.vector, clip, rocket.dimension)

    # then: the video is at the rocket, the photo stays without a time
    assert 4.0 <= timed[0].time < 8.0
    assert timed[0].similarity == 0.5
    assert timed[1].time is None
