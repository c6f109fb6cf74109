"""Video ingest: what is read from a video, its poster, and bad videos."""

import os
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from dam.models import Asset
from ingest.errors import MediaError
from ingest.pipeline import run_pipeline
from ingest.uploads import UploadRefused, ingest_file
from ingest.video import poster_frame, read_video_metadata
from tests.ingest.videos import ffmpeg, is_near, lavfi, mean_colour, stored, x264

pytestmark = pytest.mark.django_db

CORPUS_VIDEO = "video/cat_rocket_coffee.mp4"
# The corpus video shows these photos, letterboxed, 4 s each.
SCENES = ("chelsea.png", "rocket.jpg", "coffee.png")

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 128, 0)


def nearest_scene(picture, corpus):
    """Return which of the corpus video's source photos ``picture`` shows."""
    frame = np.asarray(picture.convert("RGB").resize((640, 360)), dtype=float)
    distances = {}
    for name in SCENES:
        with Image.open(corpus / "photos" / name) as photo:
            source = np.asarray(photo.convert("RGB").resize((640, 360)), dtype=float)
        distances[name] = np.abs(frame - source).mean()
    return min(distances, key=distances.get)


def cut_in_half(path):
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)
    return path


# Metadata


def test_corpus_video_metadata(copy_of):
    # given
    asset = stored(copy_of(CORPUS_VIDEO))

    # when
    read_video_metadata(asset)

    # then
    asset.refresh_from_db()
    assert asset.duration == pytest.approx(12.0, abs=0.1)
    assert (asset.width, asset.height) == (640, 360)
    video = asset.metadata["video"]
    assert video["frame_rate"] == pytest.approx(25.0)
    assert video["video_codec"] == "h264"
    assert video["audio_codec"] is None
    assert video["rotation"] == 0
    # 107 kB over 12 s: about 71 kbit/s.
    assert video["bit_rate"] == pytest.approx(107012 * 8 / 12, rel=0.05)
    assert asset.captured_at is None


@pytest.mark.parametrize(
    "name, codecs, video_codec, audio_codec",
    [
        ("clip.mp4", x264("-c:a", "aac"), "h264", "aac"),
        (
            "clip.webm",
            ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"],
            "vp9",
            "opus",
        ),
    ],
)
def test_video_with_sound_reports_both_codecs_and_recording_time(
    tmp_path, name, codecs, video_codec, audio_codec
):
    # given
    path = tmp_path / name
    ffmpeg(
        *lavfi("testsrc=s=320x240:r=30:d=2"), *lavfi("sine=f=440:d=2"), *codecs,
        "-metadata", "creation_time=2023-06-01T12:30:00Z", path,
    )
    asset = stored(path)

    # when
    read_video_metadata(asset)

    # then
    asset.refresh_from_db()
    assert (asset.width, asset.height) == (320, 240)
    assert asset.duration == pytest.approx(2.0, abs=0.1)
    assert asset.metadata["video"]["frame_rate"] == pytest.approx(30.0)
    assert asset.metadata["video"]["video_codec"] == video_codec
    assert asset.metadata["video"]["audio_codec"] == audio_codec
    assert asset.captured_at == datetime(2023, 6, 1, 12, 30, tzinfo=UTC)


def test_live_recording_without_declared_length_is_measured(tmp_path):
    # given: what a browser's MediaRecorder writes, with no length in it
    path = tmp_path / "recording.webm"
    ffmpeg(*lavfi("testsrc=s=320x240:r=25:d=3"), "-c:v", "libvpx", "-deadline",
           "realtime", "-live", "1", path)
    asset = stored(path)

    # when
    read_video_metadata(asset)

    # then
    asset.refresh_from_db()
    assert asset.duration == pytest.approx(3.0, abs=0.1)


def test_anamorphic_video_is_measured_as_displayed(tmp_path):
    # given: 320x240 stored pixels, each twice as wide as tall
    path = tmp_path / "anamorphic.mp4"
    ffmpeg(*lavfi("testsrc=s=320x240:r=25:d=1,setsar=2"), *x264(), path)
    asset = stored(path)

    # when
    read_video_metadata(asset)
    poster = poster_frame(asset)

    # then
    asset.refresh_from_db()
    assert (asset.width, asset.height) == (640, 240)
    assert poster.size == (640, 240)


# Rotation


@pytest.mark.parametrize(
    "turn_stored_picture, display_rotation, rotation",
    [
        # A phone held upright: the sensor's picture is stored turned a
        # quarter anticlockwise and the player turns it clockwise.
        ("transpose=cclock", "-90", 90),
        ("transpose=clock", "90", 270),
    ],
)
def test_portrait_phone_video_is_portrait_and_its_poster_upright(
    tmp_path, turn_stored_picture, display_rotation, rotation
):
    # given: an upright scene, red on top, stored as a landscape 640x360
    # picture with a display rotation, as a phone records it
    scene = (
        "color=red:s=360x160:r=25:d=2[top];color=blue:s=360x480:r=25:d=2[bottom];"
        "[top][bottom]vstack," + turn_stored_picture
    )
    landscape = tmp_path / "stored.mp4"
    ffmpeg(*lavfi(scene), *x264(), landscape)
    path = tmp_path / "portrait.mp4"
    ffmpeg("-display_rotation", display_rotation, "-i", landscape, "-c", "copy", path)
    asset = stored(path)

    # when
    read_video_metadata(asset)
    poster = poster_frame(asset)

    # then
    asset.refresh_from_db()
    assert (asset.width, asset.height) == (360, 640)
    assert asset.metadata["video"]["rotation"] == rotation
    assert poster.size == (360, 640)
    assert is_near(mean_colour(poster, (0.1, 0.02, 0.9, 0.2)), RED)
    assert is_near(mean_colour(poster, (0.1, 0.4, 0.9, 0.98)), BLUE)


# Poster


def test_corpus_poster_is_the_opening_scene_at_full_size(copy_of, corpus):
    # given
    asset = stored(copy_of(CORPUS_VIDEO))

    # when
    poster = poster_frame(asset)

    # then
    assert poster.mode == "RGB"
    assert poster.size == (640, 360)
    assert nearest_scene(poster, corpus) == "chelsea.png"


def test_poster_skips_a_black_opening(tmp_path):
    # given: 1.5 s of black, then green
    path = tmp_path / "fade.mp4"
    ffmpeg(
        *lavfi(
            "color=black:s=320x240:r=25:d=1.5[a];color=green:s=320x240:r=25:d=1.5[b];"
            "[a][b]concat=n=2:v=1:a=0"
        ),
        *x264(), path,
    )
    asset = stored(path)

    # when
    poster = poster_frame(asset)

    # then
    assert is_near(mean_colour(poster, (0, 0, 1, 1)), GREEN)


def test_poster_of_a_large_video_is_at_most_1920_pixels_wide(tmp_path):
    # given
    path = tmp_path / "large.mp4"
    ffmpeg(*lavfi("testsrc2=s=2560x1440:r=5:d=1"), *x264(), path)
    asset = stored(path)

    # when
    poster = poster_frame(asset)

    # then
    assert poster.size == (1920, 1080)


def test_poster_of_a_one_frame_video(tmp_path):
    # given: too short for the usual poster time
    path = tmp_path / "still.mp4"
    ffmpeg(*lavfi("color=green:s=320x240:r=25"), "-frames:v", "1", *x264(), path)
    asset = stored(path)

    # when
    read_video_metadata(asset)
    poster = poster_frame(asset)

    # then
    assert poster.size == (320, 240)
    assert is_near(mean_colour(poster, (0, 0, 1, 1)), GREEN)


def test_video_in_storage_without_local_paths(settings, copy_of, corpus):
    # given: a storage that is not the local file system, like S3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    asset = stored(copy_of(CORPUS_VIDEO))

    # when
    read_video_metadata(asset)
    poster = poster_frame(asset)

    # then
    asset.refresh_from_db()
    assert asset.duration == pytest.approx(12.0, abs=0.1)
    assert nearest_scene(poster, corpus) == "chelsea.png"


def test_missing_ffmpeg_is_not_blamed_on_the_file(settings, tmp_path, copy_of):
    # given
    settings.DAM_FFMPEG = str(tmp_path / "no-such-ffmpeg")
    asset = stored(copy_of(CORPUS_VIDEO))

    # when / then: an OSError is retried; a MediaError would fail the asset
    with pytest.raises(FileNotFoundError):
        poster_frame(asset)


# Bad videos


@pytest.mark.parametrize(
    "name, arguments",
    [
        ("song.mkv", [*lavfi("sine=f=440:d=2"), "-c:a", "libopus"]),
        ("song.mp4", [*lavfi("sine=f=440:d=2"), "-c:a", "aac"]),
        (
            "song-with-cover.mp4",
            [
                *lavfi("sine=f=440:d=2"), *lavfi("color=red:s=64x64:d=0.04"),
                "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png",
                "-frames:v", "1", "-disposition:v", "attached_pic",
            ],
        ),
    ],
)
def test_audio_only_file_fails_with_no_video_stream(tmp_path, name, arguments):
    # given
    path = tmp_path / name
    ffmpeg(*arguments, path)
    asset = stored(path)

    # when / then
    with pytest.raises(MediaError, match="The file has no video stream"):
        read_video_metadata(asset)


def test_truncated_mp4_with_index_in_front_fails_as_truncated(copy_of):
    # given: the corpus video keeps its index (moov) before the frames, so
    # the first half still opens and declares 12 s
    path = cut_in_half(copy_of(CORPUS_VIDEO))
    asset = stored(path)

    # when / then
    reason = "damaged or truncated .*declared length of 12.0 s"
    with pytest.raises(MediaError, match=reason):
        read_video_metadata(asset)


def test_truncated_mp4_with_index_at_the_end_fails_as_damaged(tmp_path, copy_of):
    # given: ffmpeg's default layout writes the index last; half a file has none
    path = tmp_path / "index-last.mp4"
    ffmpeg("-i", copy_of(CORPUS_VIDEO), "-c", "copy", path)
    with open(path, "rb") as handle:
        assert b"moov" not in handle.read(64)
    asset = stored(cut_in_half(path))

    # when / then
    with pytest.raises(MediaError, match="damaged or truncated"):
        read_video_metadata(asset)


def test_truncated_matroska_fails_as_truncated(tmp_path):
    # given
    path = tmp_path / "clip.mkv"
    ffmpeg(*lavfi("testsrc=s=320x240:r=25:d=6"), *x264(), path)
    asset = stored(cut_in_half(path))

    # when / then
    with pytest.raises(MediaError, match="damaged or truncated"):
        read_video_metadata(asset)


def test_video_in_an_unknown_codec_fails_as_unsupported(tmp_path):
    # given: a camera codec nothing here decodes (the sample entry renamed)
    path = tmp_path / "camera.mp4"
    ffmpeg(*lavfi("testsrc=s=320x240:r=25:d=1"), *x264(), path)
    data = path.read_bytes()
    entry = data.index(b"avc1", data.index(b"stsd"))
    path.write_bytes(data[:entry] + b"zzzz" + data[entry + 4:])
    asset = stored(path)

    # when / then
    with pytest.raises(MediaError, match="codec is unknown or not supported"):
        read_video_metadata(asset)
    with pytest.raises(MediaError, match="codec is unknown or not supported"):
        poster_frame(asset)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("empty.mp4", "The video is empty"),
        ("empty.mkv", "The video is empty or cut off"),
    ],
)
def test_video_without_frames_fails_as_empty(tmp_path, name, reason):
    # given
    path = tmp_path / name
    ffmpeg(*lavfi("color=red:s=64x64:r=25"), "-frames:v", "0", *x264(), path)
    asset = stored(path)

    # when / then
    with pytest.raises(MediaError, match=reason):
        read_video_metadata(asset)
    with pytest.raises(MediaError, match=reason):
        poster_frame(asset)


def test_zero_byte_video_is_refused_at_upload(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")

    with pytest.raises(UploadRefused, match="The file is empty"):
        ingest_file(str(path), path.name)


# The whole pipeline


def test_corpus_video_ends_ready_with_poster_preview_and_thumbnail(copy_of, corpus):
    # given
    asset = stored(copy_of(CORPUS_VIDEO))

    # when
    status = run_pipeline(asset.id)

    # then
    asset = Asset.objects.get(pk=asset.id)
    assert status == Asset.Status.READY, asset.error
    assert asset.duration == pytest.approx(12.0, abs=0.1)
    poster = asset.rendition("poster")
    assert (poster.width, poster.height) == (640, 360)
    with poster.file.open("rb") as handle, Image.open(handle) as picture:
        assert nearest_scene(picture, corpus) == "chelsea.png"
    thumbnail = asset.rendition("thumbnail")
    assert max(thumbnail.width, thumbnail.height) <= 320
    assert asset.rendition("preview") is not None


def test_audio_only_upload_fails_with_its_reason_in_the_pipeline(tmp_path):
    # given
    path = tmp_path / "song.mkv"
    ffmpeg(*lavfi("sine=f=440:d=2"), "-c:a", "libopus", path)
    asset = stored(path)

    # when
    status = run_pipeline(asset.id)

    # then
    asset = Asset.objects.get(pk=asset.id)
    assert status == Asset.Status.FAILED
    assert asset.error == "The file has no video stream."
    assert not asset.renditions.exists()
