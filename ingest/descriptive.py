"""Descriptive metadata written by people: IPTC and XMP titles, captions and
keywords."""

import logging

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import IptcImagePlugin

from ingest.imaging import DECODE_ERRORS

logger = logging.getLogger(__name__)

# IPTC-IIM application record datasets (IPTC Photo Metadata standard).
IPTC_TITLE = (2, 5)  # Object Name, shown as "Title" by most tools
IPTC_KEYWORDS = (2, 25)
IPTC_CAPTION = (2, 120)

DC = "{http://purl.org/dc/elements/1.1/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# TIFF stores its XMP packet in tag 700.
TIFF_XMP_TAG = 700


def iptc_fields(image):
    """Return {"title", "description", "keywords"} from the IPTC block."""
    info = IptcImagePlugin.getiptcinfo(image) or {}

    keywords = info.get(IPTC_KEYWORDS, [])
    if not isinstance(keywords, list):
        keywords = [keywords]
    return {
        "title": _text(info.get(IPTC_TITLE)),
        "description": _text(info.get(IPTC_CAPTION)),
        "keywords": [word for word in map(_text, keywords) if word],
    }


def _text(value):
    """Decode an IPTC value: UTF-8 by today's tools, Latin-1 by old ones."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, bytes):
        return ""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    return text.replace("\x00", "").strip()


def xmp_packet(image):
    """Return the raw XMP packet of an opened image, or None."""
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if packet is None and image.format == "TIFF":
        packet = image.tag_v2.get(TIFF_XMP_TAG)
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    return packet or None


def xmp_fields(packet):
    """Return {"title", "description", "keywords"} from an XMP packet.

    Parsed with defusedxml: the packet is untrusted input, and entity
    expansion would be a memory bomb.
    """
    root = fromstring(packet.strip(b"\x00 \t\r\n"))
    keywords = [
        (item.text or "").strip()
        for subject in root.iter(DC + "subject")
        for item in subject.iter(RDF + "li")
    ]
    return {
        "title": _alternative(root, "title"),
        "description": _alternative(root, "description"),
        "keywords": [word for word in keywords if word],
    }


def _alternative(root, name):
    """Return the default-language text of a dc language alternative."""
    for element in root.iter(DC + name):
        items = list(element.iter(RDF + "li"))
        items.sort(key=lambda item: item.get(XML_LANG) != "x-default")
        for item in items:
            if item.text and item.text.strip():
                return item.text.strip()
        if element.text and element.text.strip():
            return element.text.strip()
    # A simple value may also be written as an attribute.
    for description in root.iter(RDF + "Description"):
        value = description.get(DC + name)
        if value and value.strip():
            return value.strip()
    return ""


def descriptive_fields(image, asset_id):
    """Return the merged title, description and keywords of IPTC and XMP.

    XMP wins over IPTC for title and description (it is the newer, Unicode
    one); keywords are the union. A damaged block is logged and skipped: it
    must not cost the user the picture.
    """
    sources = []
    try:
        sources.append(iptc_fields(image))
    except DECODE_ERRORS as err:
        logger.warning("asset %s: IPTC block unreadable, skipped: %s", asset_id, err)

    packet = xmp_packet(image)
    if packet:
        try:
            sources.insert(0, xmp_fields(packet))
        except (SyntaxError, ValueError, DefusedXmlException) as err:
            logger.warning(
                "asset %s: XMP packet unreadable, skipped: %s", asset_id, err
            )

    merged = {"title": "", "description": "", "keywords": []}
    for source in sources:
        merged["title"] = merged["title"] or source["title"]
        merged["description"] = merged["description"] or source["description"]
        merged["keywords"] += source["keywords"]
    merged["keywords"] = list(dict.fromkeys(merged["keywords"]))
    return merged
