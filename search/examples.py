"""Example images for query by example: checked, decoded, never stored."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from dam.models import Asset
from ingest.errors import MediaError
from ingest.formats import UnsupportedFormat, sniff
from ingest.uploads import UploadRefused, check_pixels
from search.indexing import decode_rgb

# An example only has to be recognisable; 50 MB takes any camera's JPEG and
# most PNGs, and keeps a request from holding a huge file.
DEFAULT_MAX_EXAMPLE_BYTES = 50 * 1024 * 1024


class ExampleRefused(ValueError):
    """The example image cannot be used; the message says why."""


def max_example_bytes():
    return getattr(settings, "DAM_SEARCH_MAX_EXAMPLE_BYTES", DEFAULT_MAX_EXAMPLE_BYTES)


def example_image(uploaded):
    """Return the uploaded example as an RGB PIL image.

    The content decides: the client's name, type and declared size are not
    consulted. Raises ExampleRefused with a reason for the user.
    """
    limit = max_example_bytes()
    if uploaded.size > limit:
        raise ExampleRefused(
            "The image is larger than the %s limit." % filesizeformat(limit)
        )

    path = uploaded.temporary_file_path()
    try:
        file_format = sniff(path)
    except UnsupportedFormat as err:
        raise ExampleRefused(str(err)) from err
    if file_format.kind != Asset.Kind.IMAGE:
        raise ExampleRefused(
            "Search by example takes an image, not a %s." % file_format.kind
        )
    try:
        check_pixels(path)
    except UploadRefused as err:
        raise ExampleRefused(str(err)) from err

    with open(path, "rb") as handle:
        try:
            return decode_rgb(handle)
        except MediaError as err:
            raise ExampleRefused(str(err)) from err
