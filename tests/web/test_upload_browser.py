"""Uploading from a real browser: headless Chromium on a live server, with a
real Celery worker processing what arrives.

Set DAM_SCREENSHOT_DIR to keep screenshots of the upload page, the library
and an asset page.
"""

import os
import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dam.models import Asset
from tests.conftest import wait_for_status

# Seconds for the whole drop to be processed. 21 files through every step on
# one solo worker took under 10 s here; the margin is for slow CI machines
# and for heavier steps (embeddings with real weights) joining the pipeline.
PROCESSING_TIMEOUT_S = 240

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def drop(tmp_path, corpus):
    """The files a user drops: the corpus, a truncated JPEG, a text file."""
    folder = tmp_path / "drop"
    folder.mkdir()
    media = sorted((corpus / "photos").iterdir()) + [
        corpus / "video/cat_rocket_coffee.mp4"
    ]
    for path in media:
        shutil.copyfile(path, folder / path.name)

    whole = (corpus / "photos/flower.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 3])
    (folder / "notes.jpg").write_text(
        "Shot list for Monday: the rocket, then coffee.\n"
    )
    return folder, [path.name for path in media]


def screenshot(page, name):
    folder = os.environ.get("DAM_SCREENSHOT_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def uppy_item(page, name):
    """The Dashboard's entry for one file."""
    return page.locator(".uppy-Dashboard-Item").filter(
        has=page.locator(
            ".uppy-Dashboard-Item-name", has_text=re.compile("^%s$" % re.escape(name))
        )
    )


def upload_row(page, name):
    return page.locator("#upload-states .upload-row").filter(
        has=page.locator(
            ".upload-name", has_text=re.compile("^\\s*%s\\s*$" % re.escape(name))
        )
    )


def add_files(page, paths):
    # Once files are listed, the Dashboard's inputs sit behind "Add more".
    add_more = page.get_by_role("button", name="Add more files")
    if add_more.is_visible():
        add_more.click()
    # The plain file input; the other one picks folders.
    chooser = page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first
    chooser.set_input_files([str(path) for path in paths])


def test_dropped_files_upload_and_show_their_processing_state(
    page, live_server, celery_worker, drop
):
    # given
    folder, media_names = drop
    page.goto(live_server.url + reverse("upload"))

    # when
    add_files(page, sorted(folder.iterdir()))

    # then: the text file is refused on its own entry, with the reason
    refused = uppy_item(page, "notes.jpg")
    expect(refused).to_have_class(re.compile("is-error"), timeout=60_000)
    expect(
        refused.get_by_role("button", name=re.compile("^Unsupported file type"))
    ).to_be_visible()
    refused_row = upload_row(page, "notes.jpg")
    expect(refused_row).to_have_attribute("data-state", "refused")
    expect(refused_row).to_contain_text("Unsupported file type: its content is not")

    # and every other file gets a row that reaches its final state
    rows = page.locator("#upload-states .upload-row[data-asset-id]")
    expect(rows).to_have_count(len(media_names) + 1, timeout=60_000)
    expect(page.locator("#upload-states [data-unfinished]")).to_have_count(
        0, timeout=PROCESSING_TIMEOUT_S * 1000
    )
    for name in media_names:
        row = upload_row(page, name)
        expect(row).to_have_attribute("data-state", "ready")
        expect(row.locator(".upload-thumb img")).to_be_visible()
    broken = upload_row(page, "truncated.jpg")
    expect(broken).to_have_attribute("data-state", "failed")
    expect(broken.locator(".upload-error")).not_to_be_empty()
    expect(broken.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(page, "upload.png")

    # and its Retry runs the pipeline again, which fails the same way
    truncated = Asset.objects.get(original_name="truncated.jpg")
    first_run = truncated.steps.get(state="failed").finished_at
    retry_url = reverse("asset_retry", args=[truncated.id])
    with page.expect_response(lambda r: r.url.endswith(retry_url)) as answer:
        broken.get_by_role("button", name="Retry").click()
    assert answer.value.status == 200
    # The retry set the asset pending before answering; wait for the worker.
    wait_for_status(truncated.id, ("failed",), timeout=PROCESSING_TIMEOUT_S)
    assert truncated.steps.get(state="failed").finished_at > first_run
    expect(broken).to_have_attribute("data-state", "failed")
    expect(page.locator("#upload-states [data-unfinished]")).to_have_count(0)

    # and Uppy's own retry sends the refused file again, and is refused again
    with page.expect_response(
        lambda r: r.url.endswith(reverse("api_assets"))
    ) as answer:
        refused.get_by_role("button", name="Retry upload").click()
    assert answer.value.status == 400
    expect(refused_row).to_contain_text("Unsupported file type")

    # and nothing but the media and the truncated file is in the library
    assert Asset.objects.count() == len(media_names) + 1
    assert set(
        Asset.objects.filter(status="ready").values_list("original_name", flat=True)
    ) == (set(media_names))


def test_a_second_copy_says_it_is_already_in_the_library(
    page, live_server, celery_worker, corpus, tmp_path
):
    # given
    first = tmp_path / "rocket.jpg"
    shutil.copyfile(corpus / "photos/rocket.jpg", first)
    again = tmp_path / "rocket launch (copy).jpg"
    shutil.copyfile(first, again)
    page.goto(live_server.url + reverse("upload"))
    add_files(page, [first])
    expect(upload_row(page, "rocket.jpg")).to_have_attribute(
        "data-state", "ready", timeout=60_000
    )
    original = Asset.objects.get()

    # when
    add_files(page, [again])

    # then
    duplicate = page.locator("#upload-states [data-state=duplicate]")
    expect(duplicate).to_contain_text("Already in the library")
    expect(duplicate.get_by_role("link", name="Open it")).to_have_attribute(
        "href", original.get_absolute_url()
    )
    assert Asset.objects.count() == 1


def test_the_library_shows_what_was_uploaded(page, live_server, celery_worker, drop):
    # given: the drop, uploaded and processed
    folder, media_names = drop
    page.goto(live_server.url + reverse("upload"))
    add_files(page, sorted(folder.iterdir()))
    expect(page.locator("#upload-states .upload-row[data-asset-id]")).to_have_count(
        len(media_names) + 1, timeout=60_000
    )
    expect(page.locator("#upload-states [data-unfinished]")).to_have_count(
        0, timeout=PROCESSING_TIMEOUT_S * 1000
    )

    # when
    page.goto(live_server.url + reverse("library"))

    # then: one card per stored file, each ready one with its thumbnail
    cards = page.locator("#asset-grid .card")
    expect(cards).to_have_count(len(media_names) + 1)
    for name in media_names:
        card = cards.filter(has_text=name)
        expect(card.locator(".thumb img")).to_be_visible()
        expect(card.locator(".badge-status")).to_have_count(0)
    expect(
        cards.filter(has_text="truncated.jpg").locator(".badge-failed")
    ).to_be_visible()
    video_card = cards.filter(has_text="cat_rocket_coffee.mp4")
    expect(video_card.locator(".badge-video")).to_have_text("0:12")
    screenshot(page, "library.png")

    # and the video's page plays the original and can seek in it
    video_card.locator("a").click()
    player = page.locator("video#player")
    expect(player).to_be_visible()
    page.wait_for_function("document.querySelector('video#player').readyState >= 1")
    duration = player.evaluate("v => v.duration")
    assert 11.5 < duration < 12.5
    seeked = player.evaluate(
        """v => new Promise(done => {
            v.addEventListener('seeked', () => done(v.currentTime), {once: true});
            v.currentTime = 9;
        })"""
    )
    assert abs(seeked - 9) < 0.5
    expect(page.locator("table.facts")).to_contain_text("640 × 360 px")
    screenshot(page, "asset-video.png")

    # and a photo's page shows its preview and metadata
    page.goto(
        live_server.url
        + Asset.objects.get(original_name="rocket.jpg").get_absolute_url()
    )
    expect(page.locator(".viewer img")).to_be_visible()
    expect(page.locator("table.steps")).to_contain_text("renditions")
    screenshot(page, "asset-photo.png")


def test_files_the_library_cannot_take_are_listed_without_uploading(
    page, live_server, tmp_path
):
    # given: what a folder from a Mac brings along besides photos
    hidden = tmp_path / ".DS_Store"
    hidden.write_bytes(b"\x00\x00\x00\x01Bud1")
    notes = tmp_path / "readme.txt"
    notes.write_text("Captions are in the spreadsheet.\n")
    page.goto(live_server.url + reverse("upload"))

    # when
    add_files(page, [hidden, notes])

    # then
    refused = upload_row(page, "readme.txt")
    expect(refused).to_have_attribute("data-state", "refused")
    expect(refused).to_contain_text("You can only upload")
    expect(page.locator("#upload-states .upload-row")).to_have_count(1)
    expect(page.locator("#upload-summary")).to_have_text("1 not uploaded")
    assert Asset.objects.count() == 0
