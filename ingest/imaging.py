"""Opening an asset's original with Pillow and normalising its pixels.

Normalised means what a browser would show: upright (EXIF orientation
applied), 8 bits per channel, in sRGB, as RGB or (when the image has
transparency) RGBA, first frame of an animation.
"""

import io
import logging
import struct
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageCms, ImageOps, UnidentifiedImageError

from ingest.errors import MediaError

logger = logging.getLogger(__name__)

# What Pillow (and its plugins) raise for a file that is not a readable
# image. FileNotFoundError and PermissionError are OSErrors too, which is
# why the original is opened from storage outside every handler of these.
DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    SyntaxError,
    ValueError,
    struct.error,
    EOFError,
)

# Orientations 5 to 8 turn the picture by a quarter: width and height swap.
TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}

WHITE = (255, 255, 255)


def media_error(err):
    """Return a MediaError with a reason a user can act on."""
    if isinstance(err, UnidentifiedImageError):
        # Pillow's message names the storage path, which means nothing here.
        return MediaError(
            "The file could not be read as an image: its content is damaged or "
            "not what its header announces."
        )
    if isinstance(err, Image.DecompressionBombError):
        reason = "The image is too large to process safely (%s)."
    else:
        reason = "The image file is truncated or damaged (%s)."
    return MediaError(reason % (str(err) or err.__class__.__name__))


@contextmanager
def opened(asset):
    """Yield the asset's original opened by Pillow; only the header is read.

    Storage errors (a missing or unreadable original) propagate unchanged:
    they are not the file's fault and are worth a retry.
    """
    with asset.original.open("rb") as handle:
        try:
            image = Image.open(handle)
        except DECODE_ERRORS as err:
            raise media_error(err) from err
        with image:
            yield image


def displayed_size(image):
    """Return (width, height) as displayed, after the EXIF orientation."""
    width, height = image.size
    if orientation(image) in TRANSPOSED_ORIENTATIONS:
        return height, width
    return width, height


def orientation(image):
    try:
        return image.getexif().get(0x0112, 1)
    except DECODE_ERRORS:
        return 1


def fitted_size(size, longest):
    """Return ``size`` scaled so that its longest side is ``longest``."""
    width, height = size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode(image, longest=None, asset_id=None):
    """Decode an opened image into a normalised RGB or RGBA image.

    With ``longest``, a JPEG is decoded at the smallest DCT scale (1/2, 1/4,
    1/8) that still keeps its longest side at least ``longest`` pixels, and
    other images are reduced by whole factors toward it: a 12 MP photo for
    a 1600 px preview decodes at half size, in about half the time.
    """
    profile = image.info.get("icc_profile")
    try:
        if longest and image.format == "JPEG" and max(image.size) > longest:
            image.draft("RGB", fitted_size(image.size, longest))
        image.load()
        frame = _without_inverted_cmyk(image)
        ImageOps.exif_transpose(frame, in_place=True)
        frame = to_8bit(frame)
        if longest:
            frame = _reduced(frame, longest)
        return to_srgb(frame, profile, asset_id)
    except DECODE_ERRORS as err:
        raise media_error(err) from err


def _without_inverted_cmyk(image):
    """Undo Pillow's Adobe CMYK polarity for JPEGs that lack the Adobe marker.

    Photoshop writes CMYK JPEGs inverted, with an APP14 "Adobe" marker, and
    Pillow always reads CMYK as if inverted. A CMYK JPEG without the marker
    holds plain values, which Pillow would show as a negative.
    """
    if image.mode == "CMYK" and image.format == "JPEG" and "adobe" not in image.info:
        return ImageChops.invert(image)
    return image


def to_8bit(image):
    """Return the image in one of L, LA, RGB, RGBA or CMYK with 8-bit channels.

    Pillow's own convert() clips 16-bit and 32-bit values at 255 (a 16-bit
    scan turns white); here the full range is scaled down instead.
    """
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode.startswith("I;16"):
        pixels = np.asarray(image).astype(np.uint32)
        return Image.fromarray((pixels // 257).astype(np.uint8), "L")
    if mode in ("I", "F"):
        return Image.fromarray(_scaled(np.asarray(image), image.format), "L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if _has_alpha(image) else "RGB")
    if mode in ("1", "La"):
        return image.convert("L" if mode == "1" else "LA")
    if mode == "RGBa":
        return image.convert("RGBA")
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


def _has_alpha(image):
    return "A" in image.getbands() or image.has_transparency_data


def _scaled(pixels, file_format):
    """Scale 32-bit integer or float pixels to 0-255.

    PNG and TIFF store at most 16 bits in mode I, so their full scale is
    65535; floats are taken as 0.0-1.0 when they fit, and any other range
    is stretched from its minimum to its maximum.
    """
    is_float = pixels.dtype.kind == "f"
    pixels = np.nan_to_num(pixels.astype(np.float64))
    low, high = float(pixels.min()), float(pixels.max())
    if is_float and low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0
    elif low >= 0 and high <= 255 and file_format not in ("PNG", "TIFF"):
        low, high = 0.0, 255.0
    elif low >= 0 and high <= 65535:
        low, high = 0.0, 65535.0
    span = (high - low) or 1.0
    return np.clip((pixels - low) * (255.0 / span) + 0.5, 0, 255).astype(np.uint8)


def _reduced(image, longest):
    """Shrink by the largest whole factor that keeps ``longest`` pixels."""
    factor = max(image.size) // longest
    if factor < 2:
        return image
    return image.reduce(factor)


def to_srgb(image, profile, asset_id=None):
    """Convert an 8-bit image to RGB or RGBA in sRGB, honouring its profile.

    A profile that cannot be used is logged and ignored: the picture is
    still worth showing, in slightly wrong colours at worst.
    """
    alpha = image.getchannel("A") if image.mode in ("LA", "RGBA") else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image

    if profile:
        try:
            transform = _transform(profile, colour.mode)
            if transform is not None:
                colour = ImageCms.applyTransform(colour, transform)
        except (ImageCms.PyCMSError, OSError, TypeError) as err:
            logger.warning("asset %s: colour profile ignored: %s", asset_id, err)
    if colour.mode != "RGB":
        colour = colour.convert("RGB")

    if alpha is None:
        return colour
    colour.putalpha(alpha)
    return colour


@lru_cache(maxsize=32)
def _transform(profile, mode):
    """Return a cached transform from ``profile`` to sRGB, or None for sRGB.

    Building a transform costs milliseconds and cameras embed the same few
    profiles, so transforms are kept per profile. A profile that describes
    itself as sRGB is taken at its word and skipped. Raises PyCMSError for
    a profile that does not fit the mode or cannot be read.
    """
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    if ImageCms.getProfileDescription(source).strip().startswith("sRGB"):
        return None
    return ImageCms.buildTransform(source, _srgb(), mode, "RGB")


def profile_description(profile):
    """Return an ICC profile's description, or None when it is unreadable."""
    if not profile:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.getProfileDescription(source).strip() or None
    except (ImageCms.PyCMSError, OSError, TypeError):
        return None


@lru_cache(maxsize=1)
def _srgb():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def flattened(image, background=WHITE):
    """Return an RGB image, transparent areas laid on ``background``."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    canvas = Image.new("RGB", image.size, background)
    canvas.paste(image, mask=image.getchannel("A"))
    return canvas
