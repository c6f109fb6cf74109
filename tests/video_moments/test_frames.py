"""Which frames of a video are kept as its moments, and how they look."""

import pytest
from PIL import Image

from dam.models import Asset
from ingest.models import IngestStep
from ingest.pipeline import run_pipeline
from search.models import Embedding
from tests.ingest.videos import ffmpeg, is_near, lavfi, mean_colour, stored, x264
from tests.search.conftest import ingest

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 128, 0)
# One frame at 25 fps; a kept frame may be the one after a cut.
FRAME_S = 0.04


def colours(*segments, size="320x240"):
    """A lavfi graph of still colour segments: ("red", 2.5), ("blue", 1)..."""
    inputs = "".join(
        "color=%s:s=%s:r=25:d=%g[s%d];" % (colour, size, seconds, index)
        for index, (colour, seconds) in enumerate(segments)
    )
    labels = "".join("[s%d]" % index for index in range(len(segments)))
    return inputs + "%sconcat=n=%d:v=1:a=0" % (labels, len(segments))


def frame_times(asset):
    return list(asset.frames.order_by("time").values_list("time", flat=True))


def frame_picture(frame):
    with frame.image.open("rb") as handle, Image.open(handle) as picture:
        return picture.convert("RGB")


def test_a_frame_at_each_cut_none_for_black_or_repeats(no_clip, tmp_path):
    # given: black, then three still shots cut off the 2 s grid; x264 with
    # B-frames, as cameras and phones encode
    path = tmp_path / "cuts.mp4"
    scenes = colours(("black", 1.0), ("red", 2.5), ("blue", 3.8), ("green", 0.7))
    ffmpeg(
        *lavfi(scenes),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        path,
    )

    # when
    asset = ingest(path)

    # then: one frame per shot, at its first second; the black opening and
    # the unchanged frames every 2 s within a shot are left out
    assert asset.status == Asset.Status.READY, asset.error
    assert frame_times(asset) == pytest.approx([1.0, 3.5, 7.3], abs=2 * FRAME_S)
    pictures = [frame_picture(frame) for frame in asset.frames.order_by("time")]
    for picture, colour in zip(pictures, (RED, BLUE, GREEN)):
        assert is_near(mean_colour(picture, (0, 0, 1, 1)), colour)


def test_a_moving_shot_is_sampled_every_interval(settings, no_clip, tmp_path):
    # given
    settings.DAM_FRAME_INTERVAL = 1.5
    path = tmp_path / "moving.mp4"
    ffmpeg(*lavfi("testsrc2=s=320x240:r=25:d=10"), *x264(), path)

    # when
    asset = ingest(path)

    # then
    times = frame_times(asset)
    assert times[0] == 0.0
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(times) == 7
    assert all(1.5 - FRAME_S <= gap <= 1.5 + FRAME_S for gap in gaps), gaps


@pytest.mark.parametrize("per_minute, shortest_gap", [(60, 1.0), (30, 2.0)])
def test_a_strobing_video_is_capped_per_minute(
    settings, no_clip, tmp_path, per_minute, shortest_gap
):
    # given: a moving pattern and its negative alternating every 0.2 s, a
    # cut each time
    settings.DAM_FRAMES_PER_MINUTE_MAX = per_minute
    path = tmp_path / "strobe.mp4"
    ffmpeg(
        *lavfi(
            "testsrc2=s=160x120:r=25:d=12,split[a][b];[b]negate[n];"
            "[a][n]blend=all_expr='if(lt(mod(T,0.4),0.2),A,B)'"
        ),
        *x264(),
        path,
    )

    # when
    asset = ingest(path)

    # then: as many as the cap allows, never closer
    times = frame_times(asset)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= shortest_gap - FRAME_S
    assert 12 / shortest_gap - 1 <= len(times) <= 12 * per_minute / 60 + 1


def test_a_portrait_phone_video_has_upright_frames_and_poster(no_clip, tmp_path):
    # given: red on top of an upright scene, stored turned a quarter and
    # marked with a display rotation, as phones record
    scene = (
        "color=red:s=360x160:r=25:d=3[top];color=blue:s=360x480:r=25:d=3[bottom];"
        "[top][bottom]vstack,transpose=cclock"
    )
    landscape = tmp_path / "stored.mp4"
    ffmpeg(*lavfi(scene), *x264(), landscape)
    path = tmp_path / "portrait.mp4"
    ffmpeg("-display_rotation", "-90", "-i", landscape, "-c", "copy", path)

    # when
    asset = ingest(path)

    # then
    assert asset.status == Asset.Status.READY, asset.error
    assert (asset.width, asset.height) == (360, 640)
    with (
        asset.rendition("poster").file.open("rb") as handle,
        Image.open(handle) as poster,
    ):
        assert poster.size == (360, 640)
        assert is_near(mean_colour(poster, (0.1, 0.02, 0.9, 0.2)), RED)
    frames = list(asset.frames.all())
    assert frames
    for frame in frames:
        picture = frame_picture(frame)
        assert picture.width < picture.height
        assert is_near(mean_colour(picture, (0.1, 0.02, 0.9, 0.2)), RED)
        assert is_near(mean_colour(picture, (0.1, 0.4, 0.9, 0.98)), BLUE)


def test_new_sampling_settings_replace_the_frames_and_their_vectors(
    settings, clip, tmp_path, django_capture_on_commit_callbacks
):
    # given: a video sampled and embedded every 2 s
    path = tmp_path / "moving.mp4"
    ffmpeg(*lavfi("testsrc2=s=320x240:r=25:d=6"), *x264(), path)
    asset = ingest(path)
    old_frames = list(asset.frames.all())
    assert [frame.time for frame in old_frames] == [0.0, 2.0, 4.0]

    # when: the interval is changed and the pipeline runs again
    settings.DAM_FRAME_INTERVAL = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        run_pipeline(asset.id)

    # then: the frames and the moments' vectors follow the new setting
    times = frame_times(asset)
    assert times == pytest.approx([0, 1, 2, 3, 4, 5], abs=FRAME_S)
    vectors = Embedding.objects.filter(asset=asset, model=clip, time__isnull=False)
    assert sorted(vectors.values_list("time", flat=True)) == times
    assert (
        Embedding.objects.filter(asset=asset, model=clip, time__isnull=True).count()
        == 1
    )
    # the old pictures are gone from storage
    assert not any(frame.image.storage.exists(frame.image.name) for frame in old_frames)
    step = IngestStep.objects.get(asset=asset, name="frames")
    assert step.version.startswith("every 1s")


def test_without_the_clip_weights_frames_are_kept_and_moments_wait(no_clip, copy_of):
    # given
    asset = stored(copy_of("video/cat_rocket_coffee.mp4"))

    # when
    status = run_pipeline(asset.id)

    # then: the video is ready, its frames are there, its moments wait
    assert status == Asset.Status.READY
    assert len(frame_times(asset)) == 3
    moments = IngestStep.objects.get(asset=asset, name="moments")
    assert moments.state == IngestStep.State.WAITING
    assert "clip_model" in moments.error


def test_videos_ingested_before_moments_existed_catch_up(clip, copy_of):
    # given: a video whose frames and moments were never made
    from django.core.management import call_command

    asset = ingest(copy_of("video/cat_rocket_coffee.mp4"))
    asset.frames.all().delete()
    Embedding.objects.filter(asset=asset, time__isnull=False).delete()
    IngestStep.objects.filter(asset=asset, name__in=["frames", "moments"]).delete()

    # when
    call_command("video_moments", "--inline")

    # then
    assert len(frame_times(asset)) == 3
    assert (
        Embedding.objects.filter(asset=asset, model=clip, time__isnull=False).count()
        == 3
    )


def test_a_missing_ffmpeg_is_not_blamed_on_the_video(settings, no_clip, copy_of):
    # given
    from moments.frames import sample_video_frames

    asset = stored(copy_of("video/cat_rocket_coffee.mp4"))
    settings.DAM_FFMPEG = "/nonexistent/ffmpeg"

    # when / then: an OSError is retried by the task; a MediaError would
    # fail the asset
    with pytest.raises(FileNotFoundError):
        sample_video_frames(asset)
    assert not asset.frames.exists()
