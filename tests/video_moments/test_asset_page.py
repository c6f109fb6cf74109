"""A video's asset page: the moments matching the search it was opened from,
the strip of sampled frames, and the player they seek."""

import re

import pytest

from dam.models import Asset
from tests.video_moments.scenes import VIDEO

pytestmark = pytest.mark.django_db


def seek_times(html, list_id):
    """The times (seconds) that the links of one list on the page seek to."""
    found = re.search(r'<ol class="[^"]*" id="%s">(.*?)</ol>' % list_id, html, re.S)
    if found is None:
        return []
    return [
        float(value) for value in re.findall(r'data-seek="([0-9.]+)"', found.group(1))
    ]


@pytest.fixture
def video_and_photos(clip, ingest_copy):
    video = ingest_copy(VIDEO)
    assert video.status == Asset.Status.READY, video.error
    photos = {
        name: ingest_copy("photos/" + name) for name in ("rocket.jpg", "coffee.png")
    }
    return video, photos


def test_opened_from_a_search_the_page_lists_the_matching_moments_best_first(
    video_and_photos, signed_in
):
    video, photos = video_and_photos

    html = signed_in.get(
        video.get_absolute_url(), {"similar": str(photos["rocket.jpg"].id)}
    ).content.decode()

    moments = seek_times(html, "matching-moments")
    assert moments, "no matching moments listed"
    assert 4.0 <= moments[0] < 8.0
    assert 'src="/static/moments/player.js"' in html


def test_a_text_search_passed_along_lists_moments_too(video_and_photos, signed_in):
    video, _ = video_and_photos

    html = signed_in.get(
        video.get_absolute_url(), {"q": "rocket launch"}
    ).content.decode()

    assert "Moments matching “rocket launch”" in html
    assert set(seek_times(html, "matching-moments")) <= {0.0, 4.0, 8.0}


def test_without_a_search_the_page_shows_only_the_frame_strip(
    video_and_photos, signed_in
):
    video, _ = video_and_photos

    html = signed_in.get(video.get_absolute_url()).content.decode()

    assert seek_times(html, "matching-moments") == []
    assert seek_times(html, "frame-strip") == [0.0, 4.0, 8.0]
    for frame in video.frames.all():
        assert 'src="%s"' % frame.get_absolute_url() in html


def test_the_strip_of_a_long_video_spreads_sixteen_frames_over_it(
    no_clip, tmp_path, signed_in
):
    # given: a minute of moving test pattern, sampled every 2 s
    from tests.ingest.videos import ffmpeg, lavfi, x264
    from tests.search.conftest import ingest

    path = tmp_path / "minute.mp4"
    ffmpeg(*lavfi("testsrc2=s=320x180:r=10:d=60"), *x264(), path)
    video = ingest(path)
    assert video.frames.count() == 30

    # when
    html = signed_in.get(video.get_absolute_url()).content.decode()

    # then
    strip = seek_times(html, "frame-strip")
    assert len(strip) == 16
    assert strip == sorted(strip)
    assert strip[0] == 0.0 and strip[-1] >= 50.0


def test_from_an_example_image_search_to_the_moments_it_matches(
    video_and_photos, signed_in
):
    # given: the user drops rocket.jpg on the search bar
    from tests.conftest import CORPUS

    video, _ = video_and_photos
    with open(CORPUS / "photos" / "rocket.jpg", "rb") as image:
        posted = signed_in.post("/search/", {"image": image})
    assert posted.status_code == 302
    results = signed_in.get(posted["Location"]).content.decode()

    # when: they open the video's result card
    card = re.search(
        r'<li class="card result" data-asset-id="%s".*?</li>' % video.id, results, re.S
    ).group(0)
    link = re.search(r'href="([^"]+)"', card).group(1).replace("&amp;", "&")
    url, _, seconds = link.partition("#t=")
    html = signed_in.get(url).content.decode()

    # then: the player is sent to the rocket, and the page lists it first
    assert 4.0 <= float(seconds) < 8.0
    assert "example=" in url
    assert 4.0 <= seek_times(html, "matching-moments")[0] < 8.0
