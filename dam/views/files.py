"""Serving originals and renditions to signed-in users."""

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dam.models import Asset, Rendition


def _serve(field_file, content_type, download_name=None):
    # Storages without a local path (S3) hand out their own, signed URLs.
    try:
        field_file.path
    except NotImplementedError:
        return HttpResponseRedirect(field_file.url)

    try:
        handle = field_file.open("rb")
    except FileNotFoundError as err:
        raise Http404("The file is missing from storage.") from err

    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def original(request, asset_id):
    """Download the original file under its uploaded name."""
    asset = get_object_or_404(Asset, pk=asset_id)
    return _serve(asset.original, asset.mime_type, download_name=asset.original_name)


@require_GET
def rendition(request, asset_id, name):
    """A thumbnail, preview or poster image."""
    found = get_object_or_404(Rendition, asset_id=asset_id, name=name)
    return _serve(found.file, found.mime_type)
