"""Serving originals and renditions to signed-in users."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from dam.byte_ranges import ranged_response
from dam.models import Asset, Rendition


def _open_local(field_file):
    """Return the open file, or None when the storage has no local path.

    Raises Http404 when the file is gone from storage.
    """
    # Storages without a local path (S3) hand out their own, signed URLs.
    try:
        field_file.path
    except NotImplementedError:
        return None

    try:
        return field_file.open("rb")
    except FileNotFoundError as err:
        raise Http404("The file is missing from storage.") from err


@require_GET
def original(request, asset_id):
    """The original file: inline (playable, seekable with Range requests), or
    as a download under its uploaded name with ``?download=1``."""
    asset = get_object_or_404(Asset, pk=asset_id)
    handle = _open_local(asset.original)
    if handle is None:
        return HttpResponseRedirect(asset.original.url)

    # The sha256 names the bytes exactly, so it is a strong validator.
    etag = '"%s"' % asset.sha256
    response = ranged_response(
        request, handle, asset.original.size, asset.mime_type, etag
    )
    download = request.GET.get("download") == "1"
    response["Content-Disposition"] = content_disposition_header(
        download, asset.original_name
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def rendition(request, asset_id, name):
    """A thumbnail, preview or poster image, or a playable copy of a video
    (seekable with Range requests)."""
    found = get_object_or_404(Rendition, asset_id=asset_id, name=name)
    handle = _open_local(found.file)
    if handle is None:
        return HttpResponseRedirect(found.file.url)

    # A rendition made again is a new row or a new creation time.
    made = found.created_at.timestamp()
    etag = '"%s-%d-%d"' % (found.pk, made * 1_000_000, found.byte_size)
    response = ranged_response(request, handle, found.file.size, found.mime_type, etag)
    response["Cache-Control"] = "private, max-age=3600"
    return response
