"""Image ingest: what the library shows about a photo (EXIF, IPTC, XMP)."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image

from dam.models import Asset
from ingest.pipeline import run_pipeline
from ingest.uploads import ingest_file
from tests.ingest.pictures import (
    ingest, iptc_segment, jpeg_with_segment, red_top, xmp_packet,
)

pytestmark = pytest.mark.django_db


def camera_exif(offset="+02:00"):
    """EXIF as a camera writes it: a Canon R5 in Paris on 14 July 2023."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS R5"
    exif[ExifTags.Base.Orientation] = 1
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = "2023:07:14 18:30:05"
    if offset:
        photo[ExifTags.Base.OffsetTimeOriginal] = offset
    photo[ExifTags.Base.ExposureTime] = 1 / 250
    photo[ExifTags.Base.FNumber] = 2.8
    photo[ExifTags.Base.ISOSpeedRatings] = 400
    photo[ExifTags.Base.FocalLength] = 35.0
    photo[ExifTags.Base.LensModel] = "RF24-70mm F2.8 L IS USM"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    # The Eiffel Tower: 48 deg 51' 29.6" N, 2 deg 17' 40.2" E, 35 m.
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.6)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.2)
    gps[ExifTags.GPS.GPSAltitude] = 35.0
    return exif


def test_camera_exif_is_read(tmp_path):
    path = tmp_path / "paris.jpg"
    red_top((640, 480)).save(path, exif=camera_exif())

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.camera == "Canon EOS R5"
    assert asset.captured_at == datetime(2023, 7, 14, 16, 30, 5, tzinfo=UTC)
    assert asset.captured_at.utcoffset() is not None
    gps = asset.metadata["gps"]
    assert gps["latitude"] == pytest.approx(48.858222, abs=1e-5)
    assert gps["longitude"] == pytest.approx(2.294500, abs=1e-5)
    assert gps["altitude"] == pytest.approx(35.0)
    exif = asset.metadata["exif"]
    assert exif["ExposureTime"] == pytest.approx(0.004)
    assert exif["FNumber"] == pytest.approx(2.8)
    assert exif["ISOSpeedRatings"] == 400
    assert exif["LensModel"] == "RF24-70mm F2.8 L IS USM"
    json.dumps(asset.metadata)


def test_capture_time_without_offset_is_taken_as_utc(tmp_path):
    path = tmp_path / "no-zone.jpg"
    red_top((320, 240)).save(path, exif=camera_exif(offset=None))

    asset = ingest(path)

    assert asset.captured_at == datetime(2023, 7, 14, 18, 30, 5, tzinfo=UTC)


def test_southern_and_western_positions_are_negative(tmp_path):
    exif = camera_exif(offset="-03:00")
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    # Rio de Janeiro, Christ the Redeemer: 22 deg 57' S, 43 deg 12.6' W.
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 57.0, 6.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (43.0, 12.0, 36.0)
    path = tmp_path / "rio.jpg"
    red_top((320, 240)).save(path, exif=exif)

    asset = ingest(path)

    assert asset.metadata["gps"]["latitude"] == pytest.approx(-22.951667, abs=1e-5)
    assert asset.metadata["gps"]["longitude"] == pytest.approx(-43.21, abs=1e-5)
    local = asset.captured_at.astimezone(timezone(timedelta(hours=-3)))
    assert (local.hour, local.minute) == (18, 30)


def test_camera_make_is_not_repeated(tmp_path):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15 Pro"
    path = tmp_path / "phone.jpg"
    red_top((320, 240)).save(path, exif=exif)

    assert ingest(path).camera == "Apple iPhone 15 Pro"


def test_iptc_keywords_caption_and_title(tmp_path):
    path = tmp_path / "agency.jpg"
    red_top((640, 480)).save(path, quality=90)
    jpeg_with_segment(
        path,
        iptc_segment(
            title="Harbour at dawn",
            caption="Fishing boats leave Marseille's old port.",
            keywords=["harbour", "boats", "Café"],
        ),
    )

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.title == "Harbour at dawn"
    assert asset.description == "Fishing boats leave Marseille's old port."
    assert asset.metadata["keywords"] == ["harbour", "boats", "Café"]


@pytest.mark.parametrize("suffix", ["jpg", "webp"])
def test_xmp_keywords_description_and_title(tmp_path, suffix):
    path = tmp_path / ("stock." + suffix)
    packet = xmp_packet(
        title="Red roof", description="A red roof under a blue sky",
        keywords=["roof", "sky", "Zürich"],
    )
    red_top((640, 480)).save(path, xmp=packet.encode("utf-8"))

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.title == "Red roof"
    assert asset.description == "A red roof under a blue sky"
    assert asset.metadata["keywords"] == ["roof", "sky", "Zürich"]


def test_keywords_from_iptc_and_xmp_are_merged_once(tmp_path):
    path = tmp_path / "both.jpg"
    packet = xmp_packet(title="XMP title", keywords=["sky", "roof"])
    red_top((640, 480)).save(path, xmp=packet.encode("utf-8"))
    jpeg_with_segment(path, iptc_segment(title="IPTC title", keywords=["roof", "tile"]))

    asset = ingest(path)

    assert asset.title == "XMP title"
    assert sorted(asset.metadata["keywords"]) == ["roof", "sky", "tile"]


def test_a_title_given_by_the_user_is_kept(tmp_path):
    path = tmp_path / "named.jpg"
    red_top((320, 240)).save(path, xmp=xmp_packet(title="From the file").encode())
    asset = ingest_file(str(path), path.name).asset
    Asset.objects.filter(pk=asset.pk).update(title="Chosen by the user")

    run_pipeline(asset.id)

    assert Asset.objects.get(pk=asset.pk).title == "Chosen by the user"


def test_broken_xmp_does_not_cost_the_picture(tmp_path):
    path = tmp_path / "broken-xmp.jpg"
    red_top((640, 480)).save(path, xmp=b"<x:xmpmeta><rdf:RDF>not closed")

    asset = ingest(path)

    assert asset.status == "ready", asset.error
    assert asset.metadata["keywords"] == []
    assert asset.rendition("thumbnail") is not None
