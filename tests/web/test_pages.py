"""The browser pages, through Django's test client against the real database."""

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from dam.models import Asset, Rendition
from dam.views.library import PAGE_SIZE
from ingest.models import IngestStep
from ingest.uploads import ingest_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def add_asset(tmp_path, corpus, user):
    """Store a corpus file as an asset, the way an upload does."""

    def add(relative, **fields):
        copy = tmp_path / relative.replace("/", "_")
        shutil.copyfile(corpus / relative, copy)
        asset = ingest_file(str(copy), copy.name, user).asset
        if fields:
            Asset.objects.filter(pk=asset.pk).update(**fields)
            asset.refresh_from_db()
        return asset

    return add


def card_ids(html):
    """The asset ids of the library's cards, in page order."""
    return re.findall(r'class="card" data-asset-id="([0-9a-f-]+)"', html)


def card_html(html, asset):
    start = html.index('data-asset-id="%s"' % asset.id)
    return html[start : html.index("</li>", start)]


def read(response):
    return b"".join(response.streaming_content)


# Sign-in


@pytest.mark.parametrize(
    "name, args",
    [
        ("library", []),
        ("upload", []),
        ("upload_status", []),
        ("asset_detail", ["6f1c8f0e-6a53-4d51-9d0c-2d1f4a0d7b10"]),
        ("asset_original", ["6f1c8f0e-6a53-4d51-9d0c-2d1f4a0d7b10"]),
    ],
)
def test_pages_send_anonymous_visitors_to_sign_in(client, name, args):
    # when
    url = reverse(name, args=args)
    response = client.get(url)

    # then
    assert response.status_code == 302
    assert response["Location"] == "%s?next=%s" % (reverse("login"), url)


def test_sign_in_leads_to_the_library(client, user):
    # given
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()

    # when
    response = client.post(
        reverse("login"), {"username": "marketing", "password": "s3cret-pass"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("library")
    assert "marketing" in client.get(reverse("library")).content.decode()


def test_a_wrong_password_says_so(client, user):
    response = client.post(
        reverse("login"), {"username": "marketing", "password": "no"}
    )

    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_every_page_has_search_box_and_sign_out(signed_in):
    html = signed_in.get(reverse("library")).content.decode()

    assert re.search(r'<form class="search" action="/search/" method="get"', html)
    assert 'name="q" id="search-box"' in html
    assert 'action="%s"' % reverse("logout") in html


# Library


def test_library_lists_newest_first_with_kind_and_status_badges(signed_in, add_asset):
    # given
    oldest = add_asset("photos/coffee.png", status=Asset.Status.READY)
    failed = add_asset(
        "photos/rocket.jpg", status=Asset.Status.FAILED, error="Truncated."
    )
    video = add_asset(
        "video/cat_rocket_coffee.mp4", status=Asset.Status.READY, duration=12.0
    )
    newest = add_asset("photos/chelsea.png", status=Asset.Status.PROCESSING)

    # when
    html = signed_in.get(reverse("library")).content.decode()

    # then
    assert card_ids(html) == [str(a.id) for a in (newest, video, failed, oldest)]
    assert "Processing" in card_html(html, newest)
    assert "Failed" in card_html(html, failed)
    assert "0:12" in card_html(html, video)
    assert "badge-video" in card_html(html, video)
    assert "badge-status" not in card_html(html, oldest)
    assert "4 assets" in html


def test_library_filters_by_kind_and_status(signed_in, add_asset):
    # given
    photo = add_asset("photos/coffee.png", status=Asset.Status.READY)
    broken = add_asset("photos/rocket.jpg", status=Asset.Status.FAILED)
    video = add_asset("video/cat_rocket_coffee.mp4", status=Asset.Status.READY)

    # when
    videos = signed_in.get(reverse("library"), {"kind": "video"}).content.decode()
    failed = signed_in.get(reverse("library"), {"status": "failed"}).content.decode()
    ready_images = signed_in.get(
        reverse("library"), {"kind": "image", "status": "ready"}
    ).content.decode()

    # then
    assert card_ids(videos) == [str(video.id)]
    assert card_ids(failed) == [str(broken.id)]
    assert card_ids(ready_images) == [str(photo.id)]
    assert re.search(r'href="\?kind=video"[^>]*aria-current="true">Videos', videos)


def test_an_empty_library_points_to_the_upload_page(signed_in):
    html = signed_in.get(reverse("library")).content.decode()

    assert "The library is empty." in html
    assert 'href="%s"' % reverse("upload") in html


def test_library_scrolls_through_every_asset_once(signed_in, user):
    # given: more than a page, all uploaded in the same microsecond, so that
    # only the id tells them apart.
    count = PAGE_SIZE + 7
    Asset.objects.bulk_create(
        Asset(
            original="originals/x%d.jpg" % n,
            original_name="x%d.jpg" % n,
            kind="image",
            mime_type="image/jpeg",
            byte_size=1,
            sha256="%064x" % n,
            uploaded_by=user,
        )
        for n in range(count)
    )
    Asset.objects.update(uploaded_at=timezone.now() - timedelta(days=1))
    expected = [str(pk) for pk in Asset.objects.values_list("pk", flat=True)]

    # when
    first = signed_in.get(reverse("library")).content.decode()
    next_url = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', first).group(1)
    second = signed_in.get(next_url.replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    second_html = second.content.decode()

    # then
    assert len(card_ids(first)) == PAGE_SIZE
    assert "<html" not in second_html
    assert 'hx-trigger="revealed"' not in second_html
    assert card_ids(first) + card_ids(second_html) == expected


# Asset page


def test_asset_page_shows_metadata_and_processing_steps(signed_in, add_asset, user):
    # given
    asset = add_asset(
        "photos/grace_hopper.jpg",
        status=Asset.Status.READY,
        width=512,
        height=600,
        camera="Canon EOS 5D",
        captured_at=datetime(2021, 6, 5, 14, 30, tzinfo=UTC),
        phash=0x0123456789ABCDEF,
        metadata={
            "gps": {"latitude": 48.8584, "longitude": 2.2945},
            "keywords": ["portrait", "navy"],
        },
    )
    now = timezone.now()
    IngestStep.objects.create(
        asset=asset,
        name="metadata",
        state="done",
        started_at=now,
        finished_at=now,
        duration_ms=42,
    )
    IngestStep.objects.create(
        asset=asset,
        name="renditions",
        state="done",
        started_at=now,
        finished_at=now,
        duration_ms=1830,
    )

    # when
    html = signed_in.get(asset.get_absolute_url()).content.decode()

    # then
    for shown in (
        "grace_hopper.jpg",
        "512 × 600 px",
        "JPEG image",
        "Canon EOS 5D",
        "June 5, 2021",
        "48.85840, 2.29450",
        "portrait",
        "navy",
        asset.sha256,
        "0123456789abcdef",
        "marketing",
        "42 ms",
        "1.8 s",
        "not run",
    ):
        assert shown in html, shown
    assert "%s?download=1" % reverse("asset_original", args=[asset.id]) in html
    assert "<video" not in html


def test_video_asset_page_plays_the_original(signed_in, add_asset):
    # given
    video = add_asset(
        "video/cat_rocket_coffee.mp4", status=Asset.Status.READY, duration=12
    )

    # when
    html = signed_in.get(video.get_absolute_url()).content.decode()

    # then
    original = reverse("asset_original", args=[video.id])
    assert re.search(r"<video[^>]+controls", html)
    assert '<source src="%s" type="video/mp4">' % original in html
    assert "0:12" in html


def test_a_video_with_a_playable_copy_plays_the_copy(signed_in, add_asset, corpus):
    # given: a playable copy, as the ingest makes for codecs browsers lack
    asset = add_asset("video/cat_rocket_coffee.mp4", status=Asset.Status.READY)
    data = (corpus / "video/cat_rocket_coffee.mp4").read_bytes()
    copy = Rendition(
        asset=asset,
        name="video",
        mime_type="video/mp4",
        width=640,
        height=360,
        byte_size=len(data),
    )
    copy.file.save("video.mp4", ContentFile(data), save=False)
    copy.save()

    # when
    html = signed_in.get(asset.get_absolute_url()).content.decode()
    seek = signed_in.get(copy.get_absolute_url(), HTTP_RANGE="bytes=1000-1999")

    # then
    assert '<source src="%s" type="video/mp4">' % copy.get_absolute_url() in html
    assert seek.status_code == 206
    assert read(seek) == data[1000:2000]


def test_an_unfinished_asset_page_refreshes_itself_until_done(signed_in, add_asset):
    # given
    queued = add_asset("video/cat_rocket_coffee.mp4")
    processing = add_asset("photos/rocket.jpg", status=Asset.Status.PROCESSING)
    done = add_asset("photos/coffee.png", status=Asset.Status.READY)

    # when
    queued_html = signed_in.get(queued.get_absolute_url()).content.decode()
    processing_html = signed_in.get(processing.get_absolute_url()).content.decode()
    done_html = signed_in.get(done.get_absolute_url()).content.decode()

    # then: the player is kept across refreshes, so playback goes on
    assert re.search(r'id="asset"[^>]*hx-trigger="every 2s"', queued_html)
    assert re.search(r'<video id="player" hx-preserve="true"', queued_html)
    assert re.search(r'id="asset"[^>]*hx-trigger="every 2s"', processing_html)
    assert "The preview appears when processing finishes." in processing_html
    assert "hx-trigger" not in done_html.split('id="asset"', 1)[1].split(">", 1)[0]
    assert "No preview available." in done_html


def test_failed_asset_shows_its_reason_and_retry_queues_it_again(
    signed_in, add_asset, django_capture_on_commit_callbacks
):
    # given
    asset = add_asset(
        "photos/rocket.jpg",
        status=Asset.Status.FAILED,
        error="The JPEG data is truncated.",
    )
    now = timezone.now()
    IngestStep.objects.create(
        asset=asset, name="metadata", state="done", started_at=now, finished_at=now
    )
    IngestStep.objects.create(
        asset=asset,
        name="renditions",
        state="failed",
        error="The JPEG data is truncated.",
        started_at=now,
        finished_at=now,
    )
    page = signed_in.get(asset.get_absolute_url()).content.decode()
    assert "The JPEG data is truncated." in page
    assert 'action="%s"' % reverse("asset_retry", args=[asset.id]) in page

    # when
    with django_capture_on_commit_callbacks() as queued:
        response = signed_in.post(reverse("asset_retry", args=[asset.id]), follow=True)

    # then
    asset.refresh_from_db()
    assert asset.status == Asset.Status.PENDING
    assert asset.error == ""
    assert list(asset.steps.values_list("name", "state")) == [("metadata", "done")]
    assert len(queued) == 1
    html = response.content.decode()
    assert "queued for processing again" in html
    assert "The JPEG data is truncated." not in html


def test_retry_leaves_a_ready_asset_alone(
    signed_in, add_asset, django_capture_on_commit_callbacks
):
    asset = add_asset("photos/coffee.png", status=Asset.Status.READY)

    with django_capture_on_commit_callbacks() as queued:
        response = signed_in.post(reverse("asset_retry", args=[asset.id]), follow=True)

    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY
    assert queued == []
    assert "only failed assets can be retried" in response.content.decode()


def test_retry_needs_a_post(signed_in, add_asset):
    asset = add_asset("photos/rocket.jpg", status=Asset.Status.FAILED)

    response = signed_in.get(reverse("asset_retry", args=[asset.id]))

    assert response.status_code == 405


# The original: inline, downloadable, seekable


@pytest.fixture
def video(add_asset, corpus):
    asset = add_asset("video/cat_rocket_coffee.mp4")
    return asset, (corpus / "video/cat_rocket_coffee.mp4").read_bytes()


def test_original_plays_inline_and_downloads_under_its_name(signed_in, video):
    asset, data = video
    url = reverse("asset_original", args=[asset.id])

    inline = signed_in.get(url)
    download = signed_in.get(url, {"download": "1"})

    assert inline.status_code == 200
    assert inline["Content-Type"] == "video/mp4"
    assert inline["Accept-Ranges"] == "bytes"
    assert inline["Content-Disposition"].startswith("inline;")
    assert read(inline) == data
    assert download["Content-Disposition"] == (
        'attachment; filename="video_cat_rocket_coffee.mp4"'
    )
    assert read(download) == data


@pytest.mark.parametrize(
    "header, start, stop",
    [
        ("bytes=100-199", 100, 200),
        ("bytes=0-0", 0, 1),
        ("bytes=50000-", 50000, None),
        ("bytes=-500", -500, None),
        ("bytes=106000-999999999", 106000, None),
    ],
)
def test_a_range_request_gets_206_with_those_bytes(
    signed_in, video, header, start, stop
):
    # given
    asset, data = video
    expected = data[start:stop]
    first = start if start >= 0 else len(data) + start

    # when
    response = signed_in.get(
        reverse("asset_original", args=[asset.id]), HTTP_RANGE=header
    )

    # then
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes %d-%d/%d" % (
        first,
        first + len(expected) - 1,
        len(data),
    )
    assert response["Content-Length"] == str(len(expected))
    assert read(response) == expected


def test_a_range_past_the_end_is_416(signed_in, video):
    asset, data = video

    response = signed_in.get(
        reverse("asset_original", args=[asset.id]), HTTP_RANGE="bytes=%d-" % len(data)
    )

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */%d" % len(data)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_RANGE": "bytes=0-9,20-29"},
        {"HTTP_RANGE": "items=0-9"},
        {"HTTP_RANGE": "bytes=200-100"},
        {"HTTP_RANGE": "bytes=0-9", "HTTP_IF_RANGE": '"an-older-version"'},
    ],
)
def test_ranges_it_cannot_honour_get_the_whole_file(signed_in, video, headers):
    asset, data = video

    response = signed_in.get(reverse("asset_original", args=[asset.id]), **headers)

    assert response.status_code == 200
    assert read(response) == data


def test_if_range_with_the_current_etag_gets_the_range(signed_in, video):
    asset, data = video
    url = reverse("asset_original", args=[asset.id])
    etag = signed_in.get(url)["ETag"]

    response = signed_in.get(url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=etag)

    assert response.status_code == 206
    assert read(response) == data[10:20]


# Upload page


def test_upload_page_loads_uppy_and_posts_to_the_api(signed_in):
    html = signed_in.get(reverse("upload")).content.decode()

    assert "vendor/uppy/uppy-6.0.1.min.js" in html
    assert "js/upload.js" in html
    assert 'data-endpoint="%s"' % reverse("api_assets") in html
    assert 'data-csrf-token="' in html


def test_upload_status_reports_each_asset_state(signed_in, add_asset):
    # given
    queued = add_asset("photos/coffee.png")
    ready = add_asset("photos/rocket.jpg", status=Asset.Status.READY)
    failed = add_asset(
        "photos/chelsea.png",
        status=Asset.Status.FAILED,
        error="Cannot decode the image.",
    )
    known = add_asset("photos/horse.png", status=Asset.Status.READY)
    ids = ",".join(str(a.id) for a in (queued, ready, failed))

    # when
    response = signed_in.get(
        reverse("upload_status"),
        {"ids": ids, "duplicates": str(known.id)},
        HTTP_HX_REQUEST="true",
    )

    # then
    html = response.content.decode()
    rows = re.findall(r'<li id="upload-([0-9a-f]+)"[^>]*data-state="(\w+)"', html)
    assert rows == [
        (queued.id.hex, "pending"),
        (ready.id.hex, "ready"),
        (failed.id.hex, "failed"),
        (known.id.hex, "duplicate"),
    ]
    assert "Cannot decode the image." in html
    assert 'hx-post="%s"' % reverse("asset_retry", args=[failed.id]) in html
    assert "Already in the library" in html
    assert html.count("data-unfinished") == 1


def test_retry_from_the_upload_page_answers_with_the_row(signed_in, add_asset):
    failed = add_asset("photos/chelsea.png", status=Asset.Status.FAILED, error="Bad.")

    response = signed_in.post(
        reverse("asset_retry", args=[failed.id]), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="upload-%s"' % failed.id.hex in html
    assert 'data-state="pending"' in html
    assert "data-unfinished" in html
