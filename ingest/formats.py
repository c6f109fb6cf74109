"""The file formats the library accepts, recognised from their content."""

from dataclasses import dataclass

import filetype


@dataclass(frozen=True)
class Format:
    mime_type: str
    kind: str
    suffix: str
    label: str


FORMATS = {
    fmt.mime_type: fmt
    for fmt in [
        Format("image/jpeg", "image", ".jpg", "JPEG"),
        Format("image/png", "image", ".png", "PNG"),
        Format("image/webp", "image", ".webp", "WebP"),
        Format("image/gif", "image", ".gif", "GIF"),
        Format("image/tiff", "image", ".tif", "TIFF"),
        Format("image/heic", "image", ".heic", "HEIC"),
        Format("image/heif", "image", ".heif", "HEIF"),
        Format("video/mp4", "video", ".mp4", "MP4"),
        Format("video/quicktime", "video", ".mov", "QuickTime"),
        Format("video/webm", "video", ".webm", "WebM"),
        Format("video/x-matroska", "video", ".mkv", "Matroska"),
    ]
}

# filetype names some members of the families above differently.
ALIASES = {
    "video/x-m4v": "video/mp4",
    "image/avif": None,
}

ACCEPTED_LABELS = ", ".join(
    dict.fromkeys(fmt.label for fmt in FORMATS.values() if fmt.label != "HEIF")
).replace("HEIC", "HEIC/HEIF")


class UnsupportedFormat(ValueError):
    """The content is not one of the accepted formats."""


def sniff(path):
    """Return the Format of the file at ``path``, judged by its first bytes.

    The client's name, extension and MIME type are never consulted.
    """
    with open(path, "rb") as handle:
        head = handle.read(8192)

    if not head:
        raise UnsupportedFormat("The file is empty.")

    guess = filetype.guess(head)
    mime_type = guess.mime if guess else None
    mime_type = ALIASES.get(mime_type, mime_type)
    if mime_type is None or mime_type not in FORMATS:
        described = "a %s file" % guess.extension.upper() if guess else "not a recognised image or video"
        raise UnsupportedFormat(
            "Unsupported file type: its content is %s. Accepted: %s."
            % (described, ACCEPTED_LABELS)
        )

    return FORMATS[mime_type]
