"""Every video plays in the browser: originals browsers cannot play get an
H.264/AAC MP4 copy, which the asset page's player uses."""

import re

import av
import pytest

from dam.models import Asset
from ingest.video_probe import probe
from tests.ingest.videos import ffmpeg, is_near, lavfi, mean_colour, x264
from tests.search.conftest import ingest

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)
SOUND = lavfi("sine=f=440:d=3")


def player_sources(signed_in, asset):
    """The (src, type) of each <source> of the page's player, in order."""
    html = signed_in.get(asset.get_absolute_url()).content.decode()
    player = re.search(r'<video id="player".*?</video>', html, re.S).group(0)
    return re.findall(r'<source src="([^"]+)" type="([^"]+)">', player)


def atoms(path):
    """The top-level MP4 boxes of the file, in order."""
    names = []
    with open(path, "rb") as handle:
        while header := handle.read(8):
            size = int.from_bytes(header[:4], "big")
            names.append(header[4:].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(handle.read(8), "big") - 8
            handle.seek(size - 8, 1)
    return names


def first_frame(path):
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            return frame.to_image()


@pytest.mark.parametrize(
    "name, codecs",
    [
        # MPEG-4 Part 2 with MP3 in Matroska: neither box nor picture plays
        ("clip.mkv", ["-c:v", "mpeg4", "-c:a", "libmp3lame"]),
        # HEVC with AAC in MP4: Chrome plays HEVC only with hardware help
        (
            "clip.mp4",
            ["-c:v", "libx265", "-x265-params", "log-level=error", "-c:a", "aac"],
        ),
        # H.264 in Matroska with Opus: the picture is fine, the box is not
        ("remux.mkv", [*x264(), "-c:a", "libopus"]),
    ],
)
def test_a_video_browsers_cannot_play_gets_an_h264_mp4_the_player_uses(
    no_clip, tmp_path, signed_in, name, codecs
):
    # given
    path = tmp_path / name
    ffmpeg(*lavfi("testsrc2=s=320x240:r=25:d=3"), *SOUND, *codecs, "-shortest", path)

    # when
    asset = ingest(path)

    # then: an MP4 of H.264 and AAC, its index first, as long as the original
    assert asset.status == Asset.Status.READY, asset.error
    copy = asset.rendition("video")
    assert copy is not None
    assert (copy.mime_type, copy.width, copy.height) == ("video/mp4", 320, 240)
    made = probe(copy.file.path, check_length=True)
    assert (made.video_codec, made.pixel_format, made.audio_codec) == (
        "h264",
        "yuv420p",
        "aac",
    )
    assert made.duration == pytest.approx(asset.duration, abs=0.2)
    boxes = atoms(copy.file.path)
    assert boxes.index("moov") < boxes.index("mdat")
    # and the page plays it, seekably
    assert player_sources(signed_in, asset)[0] == (copy.get_absolute_url(), "video/mp4")
    seek = signed_in.get(copy.get_absolute_url(), HTTP_RANGE="bytes=100-199")
    assert seek.status_code == 206


def test_a_portrait_mov_in_mpeg4_gets_an_upright_copy(no_clip, tmp_path):
    # given: an upright scene with red on top, stored turned with a display
    # rotation, in a QuickTime file of MPEG-4 Part 2
    scene = (
        "color=red:s=240x100:r=25:d=2[top];color=blue:s=240x300:r=25:d=2[bottom];"
        "[top][bottom]vstack,transpose=cclock"
    )
    stored = tmp_path / "stored.mov"
    ffmpeg(*lavfi(scene), "-c:v", "mpeg4", "-q:v", "3", stored)
    path = tmp_path / "portrait.mov"
    ffmpeg("-display_rotation", "-90", "-i", stored, "-c", "copy", path)

    # when
    asset = ingest(path)

    # then: the copy is portrait and upright, with no rotation left to apply
    assert asset.status == Asset.Status.READY, asset.error
    copy = asset.rendition("video")
    assert (copy.width, copy.height) == (240, 400)
    made = probe(copy.file.path)
    assert (made.video_codec, made.rotation) == ("h264", 0)
    picture = first_frame(copy.file.path)
    assert picture.size == (240, 400)
    assert is_near(mean_colour(picture, (0.1, 0.02, 0.9, 0.2)), RED)


@pytest.mark.parametrize(
    "name, codecs, played_as",
    [
        ("clip.mp4", [*x264(), "-c:a", "aac"], "video/mp4"),
        ("clip.mov", [*x264(), "-c:a", "aac"], "video/mp4"),
        (
            "clip.webm",
            ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"],
            "video/webm",
        ),
    ],
)
def test_a_video_browsers_play_is_served_as_it_is(
    no_clip, tmp_path, signed_in, name, codecs, played_as
):
    # given
    path = tmp_path / name
    ffmpeg(*lavfi("testsrc2=s=320x240:r=25:d=2"), *SOUND, *codecs, "-shortest", path)

    # when
    asset = ingest(path)

    # then: no copy; the player gets the original
    assert asset.status == Asset.Status.READY, asset.error
    assert asset.rendition("video") is None
    original = "/assets/%s/original" % asset.id
    assert player_sources(signed_in, asset) == [(original, played_as)]


def test_ten_bit_h264_is_encoded_again(no_clip, tmp_path):
    # given: High 10 H.264, which browsers do not decode
    path = tmp_path / "ten-bit.mp4"
    ffmpeg(
        *lavfi("testsrc2=s=320x240:r=25:d=2"),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p10le",
        path,
    )

    # when
    asset = ingest(path)

    # then
    assert asset.metadata["video"]["pixel_format"] == "yuv420p10le"
    made = probe(asset.rendition("video").file.path)
    assert (made.video_codec, made.pixel_format) == ("h264", "yuv420p")
