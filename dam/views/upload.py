"""The upload page and the processing state of the files it uploaded."""

import uuid

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dam.models import Asset
from ingest.formats import ACCEPTED_LABELS

# The page asks for at most this many assets per poll: 100 ids of 33
# characters keep the URL under gunicorn's 4094-byte request-line limit.
MAX_IDS_PER_POLL = 100


def _asset_ids(value):
    """The valid UUIDs in a comma-separated list, at most MAX_IDS_PER_POLL."""
    ids = []
    for part in value.split(","):
        try:
            ids.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return ids[:MAX_IDS_PER_POLL]


def upload_row(asset_id, asset, duplicate=False):
    """What the upload page shows for one uploaded file.

    ``unfinished`` rows are polled again; a duplicate is final at once.
    """
    if asset is None:
        state = "missing"
    elif duplicate:
        state = "duplicate"
    else:
        state = asset.status
    unfinished = state in (Asset.Status.PENDING, Asset.Status.PROCESSING)
    return {"id": asset_id, "asset": asset, "state": state, "unfinished": unfinished}


@require_GET
def upload_page(request):
    """Drop files or folders; each uploads with its own progress bar."""
    context = {
        "max_upload_bytes": settings.DAM_MAX_UPLOAD_BYTES,
        "accepted_labels": ACCEPTED_LABELS,
    }
    return render(request, "dam/upload.html", context)


@require_GET
def upload_status(request):
    """Rows with the processing state of the uploaded assets.

    ``ids`` are assets the page created, ``duplicates`` assets that an
    upload matched; both comma-separated. Every row is swapped into the page
    out of band by its element id.
    """
    uploaded = _asset_ids(request.GET.get("ids", ""))
    duplicates = _asset_ids(request.GET.get("duplicates", ""))
    found = Asset.objects.prefetch_related("renditions").in_bulk(uploaded + duplicates)

    rows = [
        upload_row(asset_id, found.get(asset_id), duplicate)
        for ids, duplicate in ((uploaded, False), (duplicates, True))
        for asset_id in ids
    ]
    return render(request, "dam/_upload_rows.html", {"rows": rows})
