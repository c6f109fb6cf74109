"""In a real browser: a video that Chromium cannot decode plays from its
H.264 copy, at the second a search result links to, and a frame of the
strip seeks it."""

import pytest
from playwright.sync_api import expect

from dam.models import Asset
from tests.ingest.videos import ffmpeg, lavfi
from tests.search.conftest import ingest

pytestmark = pytest.mark.browser

CURRENT_TIME = "document.querySelector('video#player').currentTime"


def test_a_result_link_plays_the_copy_from_its_moment(
    no_clip, page, live_server, tmp_path
):
    # given: MPEG-4 Part 2 in Matroska, with cuts at 3 s and 6 s, ingested
    path = tmp_path / "old-camera.mkv"
    scenes = (
        "color=red:s=320x240:r=25:d=3[a];color=blue:s=320x240:r=25:d=3[b];"
        "color=green:s=320x240:r=25:d=3[c];[a][b][c]concat=n=3:v=1:a=0"
    )
    ffmpeg(*lavfi(scenes), "-c:v", "mpeg4", "-q:v", "3", path)
    asset = ingest(path)
    assert asset.status == Asset.Status.READY, asset.error

    # when: the page is opened as a search result for 3 s links it
    page.goto(live_server.url + asset.get_absolute_url() + "#t=3.00")

    # then: the player plays the copy, from there
    page.wait_for_function("%s > 2.9" % CURRENT_TIME)
    expect(page.locator("#player-fallback")).to_be_hidden()
    assert page.evaluate("document.querySelector('video#player').currentSrc").endswith(
        "/renditions/video"
    )
    assert page.evaluate(CURRENT_TIME) == pytest.approx(3.0, abs=0.1)

    # when: the last frame of the strip is clicked
    frames = page.locator("#frame-strip a")
    expect(frames).to_have_count(3)
    frames.nth(2).click()

    # then: the player goes there
    page.wait_for_function("%s >= 5.9" % CURRENT_TIME)
    assert page.url.endswith("#t=6.000")
