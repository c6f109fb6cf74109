"""EXIF as JSON: exposure, camera, lens, capture time and GPS position."""

import math
import re
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, TiffImagePlugin

# Tags kept from the main IFD and the Exif sub-IFD. Maker notes, thumbnails
# and serial numbers are left out: they are large, binary or personal.
MAIN_TAGS = (
    "Make", "Model", "Software", "Orientation", "Artist", "Copyright",
    "ImageDescription", "DateTime", "OffsetTime",
)
EXPOSURE_TAGS = (
    "DateTimeOriginal", "DateTimeDigitized", "OffsetTimeOriginal",
    "OffsetTimeDigitized", "ExposureTime", "FNumber", "ISOSpeedRatings",
    "ExposureProgram", "ExposureBiasValue", "MeteringMode", "Flash",
    "FocalLength", "FocalLengthIn35mmFilm", "WhiteBalance", "LensMake",
    "LensModel", "LensSpecification",
)

EXIF_DATETIME = "%Y:%m:%d %H:%M:%S"
OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def exif_fields(exif):
    """Return the kept tags of a PIL ``Image.Exif`` by name, as JSON values."""
    fields = {}
    sources = (
        (exif, MAIN_TAGS),
        (exif.get_ifd(ExifTags.IFD.Exif), EXPOSURE_TAGS),
    )
    for tags, names in sources:
        for name in names:
            value = json_value(tags.get(ExifTags.Base[name]))
            if value not in (None, "", []):
                fields[name] = value
    return fields


def json_value(value):
    """Convert an EXIF value to something json.dumps accepts, or None."""
    if isinstance(value, TiffImagePlugin.IFDRational):
        if value.denominator == 0:
            return None
        value = float(value)
    if isinstance(value, bytes):
        value = value.split(b"\x00", 1)[0]
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        return value if value.isprintable() else None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if isinstance(value, (tuple, list)):
        return [json_value(item) for item in value]
    return None


def gps_position(exif):
    """Return {"latitude", "longitude"[, "altitude"]} in decimal degrees.

    Returns None when the image has no usable position.
    """
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef)
    )
    longitude = _degrees(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef)
    )
    if latitude is None or longitude is None:
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None

    position = {"latitude": round(latitude, 7), "longitude": round(longitude, 7)}
    altitude = json_value(gps.get(ExifTags.GPS.GPSAltitude))
    if isinstance(altitude, float):
        below_sea = gps.get(ExifTags.GPS.GPSAltitudeRef) in (1, b"\x01")
        position["altitude"] = -altitude if below_sea else altitude
    return position


def _degrees(parts, reference):
    """Turn (degrees, minutes, seconds) and N/S/E/W into signed degrees."""
    if not isinstance(parts, tuple) or len(parts) != 3:
        return None
    values = [json_value(part) for part in parts]
    if not all(isinstance(value, (int, float)) for value in values):
        return None

    degrees = values[0] + values[1] / 60 + values[2] / 3600
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    if str(reference).strip().upper() in ("S", "W"):
        degrees = -degrees
    return degrees


def captured_at(fields):
    """Return when the photo was taken, as an aware datetime, or None.

    DateTimeOriginal with its OffsetTimeOriginal; without an offset the
    camera's local time is taken as UTC, since nothing tells the zone.
    """
    pairs = (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
    )
    for stamp_name, offset_name in pairs:
        stamp = fields.get(stamp_name)
        if not isinstance(stamp, str):
            continue
        try:
            moment = datetime.strptime(stamp[:19], EXIF_DATETIME)
        except ValueError:
            continue
        return moment.replace(tzinfo=_zone(fields.get(offset_name)))
    return None


def _zone(offset):
    match = OFFSET.match(offset) if isinstance(offset, str) else None
    if match is None:
        return timezone.utc
    sign = -1 if match[1] == "-" else 1
    minutes = int(match[2]) * 60 + int(match[3])
    if minutes > 14 * 60:
        return timezone.utc
    return timezone(timedelta(minutes=sign * minutes))


def camera_name(fields):
    """Return "Make Model" without the make twice ("Canon Canon EOS R5")."""
    make = str(fields.get("Make") or "").strip()
    model = str(fields.get("Model") or "").strip()
    if not make or not model:
        return make or model

    brand = make.split()[0].lower()
    if model.lower().startswith(brand):
        return model
    return "%s %s" % (make, model)
