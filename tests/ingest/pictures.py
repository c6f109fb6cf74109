"""Making test pictures with Pillow, and looking at what the pipeline made."""

import struct
import zlib

from PIL import Image, ImageCms, ImageDraw, ImageStat

from dam.models import Asset
from ingest.pipeline import run_pipeline
from ingest.uploads import ingest_file

RED = (220, 20, 20)
BLUE = (20, 40, 200)
GREEN = (20, 180, 40)


def ingest(path, name=None):
    """Upload the file and run the real pipeline on it; return the asset."""
    accepted = ingest_file(str(path), name or path.name)
    run_pipeline(accepted.asset.id)
    return Asset.objects.get(pk=accepted.asset.id)


def rendition_image(asset, name):
    """Return the named rendition of the asset, decoded."""
    rendition = asset.rendition(name)
    assert rendition is not None, "asset %s has no %s" % (asset.id, name)
    with rendition.file.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def colour_at(image, x, y):
    """Mean RGB around (x, y), given as fractions of the width and height."""
    width, height = image.size
    box = (
        int(width * x) - 2, int(height * y) - 2, int(width * x) + 3, int(height * y) + 3
    )
    region = image.convert("RGB").crop(box)
    return tuple(round(value) for value in ImageStat.Stat(region).mean)


def near(colour, expected, tolerance=30):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def red_top(size, body=BLUE):
    """A picture whose top fifth is red and the rest ``body``: which side is
    up shows at a glance."""
    image = Image.new("RGB", size, body)
    ImageDraw.Draw(image).rectangle((0, 0, size[0], size[1] // 5), fill=RED)
    return image


def jpeg_with_segment(path, segment):
    """Insert a marker segment right after the JPEG's start-of-image."""
    data = path.read_bytes()
    path.write_bytes(data[:2] + segment + data[2:])


def without_segment(path, marker):
    """Drop every ``marker`` segment (0xFFEE for Adobe APP14) before SOS."""
    data = path.read_bytes()
    kept, position = [data[:2]], 2
    while data[position + 1] != 0xDA:
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        if struct.unpack(">H", segment[:2])[0] != marker:
            kept.append(segment)
        position += 2 + length
    kept.append(data[position:])
    path.write_bytes(b"".join(kept))


def iptc_segment(title=None, caption=None, keywords=()):
    """A Photoshop APP13 segment holding an IPTC-IIM block, UTF-8 text."""
    records = [(5, title), (120, caption)] + [(25, word) for word in keywords]
    iim = b"\x1c\x01\x5a\x00\x03\x1b%G"  # 1:90 coded character set: UTF-8
    for number, text in records:
        if text is not None:
            value = text.encode("utf-8")
            iim += b"\x1c\x02" + bytes([number]) + struct.pack(">H", len(value)) + value
    padding = b"\x00" * (len(iim) % 2)
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iim)) + iim + padding
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def xmp_packet(title="", description="", keywords=()):
    """An XMP packet with Dublin Core title, description and subject."""
    items = "".join("<rdf:li>%s</rdf:li>" % word for word in keywords)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title><rdf:Alt>"
        '<rdf:li xml:lang="x-default">%s</rdf:li>'
        "</rdf:Alt></dc:title>"
        "<dc:description><rdf:Alt>"
        '<rdf:li xml:lang="de">Deutsch</rdf:li>'
        '<rdf:li xml:lang="x-default">%s</rdf:li>'
        "</rdf:Alt></dc:description>"
        "<dc:subject><rdf:Bag>%s</rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ) % (title, description, items)


def swapped_primaries_profile():
    """An ICC profile equal to sRGB but with red and blue primaries swapped.

    Pixels tagged with it that read as red must be shown blue: a viewer that
    ignores the profile gets it visibly wrong.
    """
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", data[128:132])[0]
    entries = {}
    for index in range(count):
        start = 132 + index * 12
        entries[bytes(data[start:start + 4])] = start
    red, blue = entries[b"rXYZ"], entries[b"bXYZ"]
    data[red + 4:red + 12], data[blue + 4:blue + 12] = (
        data[blue + 4:blue + 12], data[red + 4:red + 12]
    )

    # A description of its own, so that nothing takes it for plain sRGB.
    text = "Swapped primaries test profile".encode("utf-16-be")
    description = b"mluc" + b"\x00" * 4 + struct.pack(">II", 1, 12)
    description += b"enUS" + struct.pack(">II", len(text), 28) + text
    offset = len(data)
    data += description + b"\x00" * (-len(description) % 4)
    desc = entries[b"desc"]
    data[desc + 4:desc + 12] = struct.pack(">II", offset, len(description))
    data[0:4] = struct.pack(">I", len(data))
    data[84:100] = b"\x00" * 16  # no profile ID: it no longer matches
    return bytes(data)


def png_bomb(path, width, height):
    """Write a valid black 1-bit PNG of width x height; tiny on disk."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 100) for _ in range(height // 100)]
    chunks.append(compressor.compress(row * (height % 100)))
    compressed = b"".join(chunks) + compressor.flush()

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", compressed)
        + chunk(b"IEND", b"")
    )
