"""The library and asset pages in a real browser."""

import subprocess

import imageio_ffmpeg
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dam.models import Asset
from dam.views.library import PAGE_SIZE
from ingest.uploads import ingest_file

pytestmark = pytest.mark.browser


def ffmpeg(*args):
    """Run the ffmpeg that imageio-ffmpeg ships, quietly."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", *map(str, args)]
    subprocess.run(command, check=True)


def test_scrolling_down_loads_the_whole_library(page, live_server, user):
    # given: two and a half pages of assets
    count = PAGE_SIZE * 2 + PAGE_SIZE // 2
    Asset.objects.bulk_create(
        Asset(
            original="originals/a%d.jpg" % n,
            original_name="photo-%03d.jpg" % n,
            kind="image",
            mime_type="image/jpeg",
            byte_size=1,
            sha256="%064x" % n,
            status="ready",
            uploaded_by=user,
        )
        for n in range(count)
    )

    # when
    page.goto(live_server.url + reverse("library"))
    cards = page.locator("#asset-grid .card")
    expect(cards).to_have_count(PAGE_SIZE)
    for loaded in (PAGE_SIZE * 2, count):
        page.mouse.wheel(0, 100_000)
        expect(cards).to_have_count(loaded)

    # then
    names = cards.locator(".card-name").all_inner_texts()
    assert sorted(names) == ["photo-%03d.jpg" % n for n in range(count)]
    expect(page.locator(".grid-more")).to_have_count(0)


def test_a_video_the_browser_cannot_decode_offers_the_download(
    page, live_server, user, tmp_path
):
    # given: MPEG-4 Part 2 in Matroska, which Chromium does not decode
    path = tmp_path / "old-camera.mkv"
    test_pattern = "testsrc=size=320x240:rate=10:duration=1"
    ffmpeg("-f", "lavfi", "-i", test_pattern, "-c:v", "mpeg4", path)
    asset = ingest_file(str(path), path.name, user).asset

    # when
    page.goto(live_server.url + asset.get_absolute_url())

    # then
    fallback = page.locator("#player-fallback")
    download = fallback.get_by_role("link", name="Download the original")
    expect(fallback).to_be_visible()
    expect(download).to_have_attribute(
        "href", reverse("asset_original", args=[asset.id]) + "?download=1"
    )
    expect(page.locator("video#player")).to_be_hidden()


@pytest.mark.parametrize("container", ["mp4", "mov"])
def test_a_playable_video_plays_without_the_fallback(
    page, live_server, user, corpus, tmp_path, container
):
    # given: the corpus video, or the same H.264 stream in a QuickTime file
    path = tmp_path / ("clip." + container)
    ffmpeg("-i", corpus / "video/cat_rocket_coffee.mp4", "-c", "copy", path)
    asset = ingest_file(str(path), path.name, user).asset
    assert asset.mime_type == {"mp4": "video/mp4", "mov": "video/quicktime"}[container]

    page.goto(live_server.url + asset.get_absolute_url())
    page.wait_for_function("document.querySelector('video#player').readyState >= 1")

    expect(page.locator("video#player")).to_be_visible()
    expect(page.locator("#player-fallback")).to_be_hidden()
