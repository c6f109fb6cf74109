"""Image ingest: what a user sees in previews and thumbnails."""

import os

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw

from dam.models import Asset
from ingest.pipeline import run_pipeline

from tests.ingest.pictures import (
    BLUE, GREEN, RED, colour_at, ingest, jpeg_with_segment, near, red_top,
    rendition_image, swapped_primaries_profile, without_segment,
)

pytestmark = pytest.mark.django_db

ADOBE_APP14 = 0xFFEE


@pytest.mark.parametrize(
    "orientation, to_stored",
    [
        # EXIF 6 means "turn 90 degrees clockwise to display", so the stored
        # pixels are the upright picture turned counter-clockwise; 8 is the
        # opposite, 3 is upside down.
        (6, Image.Transpose.ROTATE_90),
        (8, Image.Transpose.ROTATE_270),
        (3, Image.Transpose.ROTATE_180),
    ],
    ids=["orientation-6", "orientation-8", "orientation-3"],
)
def test_exif_orientation_gives_upright_renditions(tmp_path, orientation, to_stored):
    # given a portrait photo stored sideways with the orientation tag
    upright = red_top((2400, 3600))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "sideways.jpg"
    upright.transpose(to_stored).save(path, quality=90, exif=exif)

    # when
    asset = ingest(path)

    # then the asset is portrait and every rendition has its red side up
    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == (2400, 3600)
    preview = rendition_image(asset, "preview")
    thumbnail = rendition_image(asset, "thumbnail")
    assert preview.size == (1067, 1600)
    assert thumbnail.size == (213, 320)
    for picture in (preview, thumbnail):
        assert near(colour_at(picture, 0.5, 0.05), RED)
        assert near(colour_at(picture, 0.5, 0.95), BLUE)


def test_large_photo_gets_preview_and_thumbnail_of_the_right_size(tmp_path):
    # given a 12 MP landscape photo
    path = tmp_path / "big.jpg"
    red_top((4032, 3024)).save(path, quality=90)

    # when
    asset = ingest(path)

    # then
    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == (4032, 3024)
    preview = asset.rendition("preview")
    thumbnail = asset.rendition("thumbnail")
    assert (preview.width, preview.height) == (1600, 1200)
    assert preview.mime_type == "image/webp"
    assert (thumbnail.width, thumbnail.height) == (320, 240)
    assert rendition_image(asset, "preview").size == (1600, 1200)
    assert 0 < thumbnail.byte_size == thumbnail.file.size < preview.byte_size
    assert near(colour_at(rendition_image(asset, "thumbnail"), 0.5, 0.05), RED)


def test_small_image_is_never_enlarged(tmp_path):
    path = tmp_path / "icon.png"
    red_top((120, 90)).save(path)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert rendition_image(asset, "preview").size == (120, 90)
    assert rendition_image(asset, "thumbnail").size == (120, 90)


def test_cmyk_jpeg_shows_its_real_colours(tmp_path):
    # given a CMYK JPEG as Photoshop writes it (inverted, Adobe marker)
    path = tmp_path / "print.jpg"
    red_top((800, 600)).convert("CMYK").save(path, quality=95)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    thumbnail = rendition_image(asset, "thumbnail")
    assert thumbnail.mode == "RGB"
    assert near(colour_at(thumbnail, 0.5, 0.05), RED, 40)
    assert near(colour_at(thumbnail, 0.5, 0.7), BLUE, 40)


def test_cmyk_jpeg_without_adobe_marker_is_not_a_negative(tmp_path):
    # given a CMYK JPEG holding plain (not inverted) ink values and no
    # Adobe marker, as some non-Adobe tools write them
    path = tmp_path / "plain-cmyk.jpg"
    ImageChops.invert(red_top((800, 600)).convert("CMYK")).save(path, quality=95)
    without_segment(path, ADOBE_APP14)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    thumbnail = rendition_image(asset, "thumbnail")
    assert near(colour_at(thumbnail, 0.5, 0.05), RED, 40)
    assert near(colour_at(thumbnail, 0.5, 0.7), BLUE, 40)


def test_embedded_colour_profile_is_applied(tmp_path):
    # given pixels that read as red in a profile whose red is sRGB's blue
    path = tmp_path / "tagged.jpg"
    Image.new("RGB", (400, 300), (200, 30, 30)).save(
        path, quality=95, icc_profile=swapped_primaries_profile()
    )

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.metadata["color_profile"] == "Swapped primaries test profile"
    assert near(colour_at(rendition_image(asset, "thumbnail"), 0.5, 0.5), (30, 30, 200))


def test_broken_colour_profile_does_not_cost_the_picture(tmp_path):
    path = tmp_path / "bad-profile.jpg"
    red_top((400, 300)).save(path, icc_profile=b"not an ICC profile at all" * 8)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.metadata["color_profile"] is None
    assert near(colour_at(rendition_image(asset, "thumbnail"), 0.5, 0.05), RED)


def test_16_bit_png_keeps_its_tones(tmp_path):
    # given a 16-bit grayscale gradient, black on the left to white on the right
    ramp = np.tile(np.linspace(0, 65535, 1000), (400, 1)).astype(np.uint16)
    path = tmp_path / "scan16.png"
    Image.fromarray(ramp).save(path)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    thumbnail = rendition_image(asset, "thumbnail")
    left, middle, right = (colour_at(thumbnail, x, 0.5) for x in (0.02, 0.5, 0.98))
    assert max(left) < 20
    assert all(110 < value < 145 for value in middle), middle
    assert min(right) > 235


def test_grayscale_photo_stays_gray(tmp_path):
    ramp = np.tile(np.linspace(0, 255, 640), (480, 1)).astype(np.uint8)
    path = tmp_path / "gray.jpg"
    Image.fromarray(ramp, "L").save(path, quality=90)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    middle = colour_at(rendition_image(asset, "thumbnail"), 0.5, 0.5)
    assert max(middle) - min(middle) <= 2
    assert 110 < middle[0] < 145


def test_palette_png_keeps_its_transparency(tmp_path):
    # given a palette logo: a green disc on a transparent background
    logo = Image.new("P", (400, 400), 0)
    logo.putpalette([255, 255, 255] + list(GREEN) + [0, 0, 0] * 254)
    ImageDraw.Draw(logo).ellipse((100, 100, 300, 300), fill=1)
    path = tmp_path / "logo.png"
    logo.save(path, transparency=0)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    thumbnail = rendition_image(asset, "thumbnail")
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((5, 5))[3] == 0
    centre = thumbnail.getpixel((thumbnail.width // 2, thumbnail.height // 2))
    assert centre[3] == 255 and near(centre[:3], GREEN)


def test_webp_with_alpha_keeps_it(tmp_path):
    picture = red_top((500, 500)).convert("RGBA")
    picture.putalpha(Image.linear_gradient("L").resize((500, 500)))
    path = tmp_path / "fade.webp"
    picture.save(path, lossless=True)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    preview = rendition_image(asset, "preview")
    assert preview.mode == "RGBA"
    assert preview.getpixel((250, 5))[3] < 20
    assert preview.getpixel((250, 495))[3] > 235


@pytest.mark.parametrize("suffix", ["gif", "webp"])
def test_animation_shows_its_first_frame(tmp_path, suffix):
    frames = [Image.new("RGB", (300, 200), colour) for colour in (RED, GREEN, BLUE)]
    path = tmp_path / ("animation." + suffix)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.metadata["frames"] == 3
    assert (asset.width, asset.height) == (300, 200)
    assert near(colour_at(rendition_image(asset, "thumbnail"), 0.5, 0.5), RED)


def test_heic_photo(tmp_path):
    path = tmp_path / "phone.heic"
    red_top((1200, 900)).save(path, format="HEIF", quality=90)

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.mime_type == "image/heic"
    assert (asset.width, asset.height) == (1200, 900)
    thumbnail = rendition_image(asset, "thumbnail")
    assert thumbnail.size == (320, 240)
    assert near(colour_at(thumbnail, 0.5, 0.05), RED)
    assert near(colour_at(thumbnail, 0.5, 0.7), BLUE)


def test_renditions_are_made_once(tmp_path):
    # given an asset whose renditions exist, but whose steps must run again
    path = tmp_path / "photo.jpg"
    red_top((900, 600)).save(path)
    asset = ingest(path)
    before = {r.name: (r.pk, r.file.name) for r in asset.renditions.all()}
    asset.steps.all().delete()

    # when
    run_pipeline(asset.id)
    asset = Asset.objects.get(pk=asset.id)

    # then the same rendition rows and files are kept, no copies are added
    assert asset.status == "ready", asset.error
    after = {r.name: (r.pk, r.file.name) for r in asset.renditions.all()}
    assert after == before
    folder = os.path.dirname(asset.rendition("preview").file.path)
    assert sorted(os.listdir(folder)) == ["preview.webp", "thumbnail.webp"]

