"""The library grid, the asset page, and retrying a failed asset."""

import uuid
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dam import asset_facts
from dam.models import Asset
from dam.views.upload import upload_row
from ingest.formats import FORMATS
from ingest.pipeline import retry_asset

# 60 cards fill about three screens of the grid at 1080p (6 columns of
# 180 px), so a scroll fetches the next page before the user reaches it.
PAGE_SIZE = 60

KIND_CHIPS = (("", "All"), ("image", "Images"), ("video", "Videos"))
STATUS_CHIPS = (
    ("", "Any status"),
    ("ready", "Ready"),
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("failed", "Failed"),
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Browsers turn away a <source> typed video/quicktime without trying it, yet
# play the H.264 that most QuickTime files hold when told it is MP4.
PLAYBACK_TYPES = {"video/quicktime": "video/mp4"}


def _playable(asset):
    """The URL and type the player gets: the playable copy when the ingest
    made one (the original's codec is not one browsers play), else the
    original."""
    copy = asset.rendition("video")
    if copy is not None:
        return {"url": copy.get_absolute_url(), "type": copy.mime_type}
    return {
        "url": reverse("asset_original", args=[asset.id]),
        "type": PLAYBACK_TYPES.get(asset.mime_type, asset.mime_type),
    }


def _filters(params):
    """The kind and status filters from the query, known values only."""
    filters = {}
    if params.get("kind") in Asset.Kind.values:
        filters["kind"] = params["kind"]
    if params.get("status") in Asset.Status.values:
        filters["status"] = params["status"]
    return filters


def _cursor(asset):
    """Where the next page starts: the last card's upload time and id.

    Keyset paging keeps pages stable while uploads keep arriving, which
    offsets would not.
    """
    micros = (asset.uploaded_at - EPOCH) // timedelta(microseconds=1)
    return "%d_%s" % (micros, asset.id.hex)


def _after_cursor(queryset, cursor):
    try:
        micros, hex_id = cursor.split("_", 1)
        uploaded_at = EPOCH + timedelta(microseconds=int(micros))
        asset_id = uuid.UUID(hex_id)
    except (ValueError, OverflowError):
        return queryset

    return queryset.filter(
        Q(uploaded_at__lt=uploaded_at) | Q(uploaded_at=uploaded_at, id__lt=asset_id)
    )


def _query(filters, **changes):
    query = QueryDict(mutable=True)
    query.update({**filters, **changes})
    for key in [key for key, value in query.items() if not value]:
        del query[key]
    return "?" + query.urlencode() if query else "?"


def _chips(filters, field, choices):
    return [
        {
            "label": label,
            "url": _query(filters, **{field: value}),
            "active": filters.get(field, "") == value,
        }
        for value, label in choices
    ]


def library(request):
    """The grid of assets, newest first, one page at a time.

    htmx requests (the infinite scroll) get only the next page's cards.
    """
    filters = _filters(request.GET)
    assets = Asset.objects.filter(**filters).prefetch_related("renditions")
    if request.GET.get("after"):
        assets = _after_cursor(assets, request.GET["after"])

    page = list(assets[: PAGE_SIZE + 1])
    next_url = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        next_url = _query(filters, after=_cursor(page[-1]))

    context = {"assets": page, "next_url": next_url}
    if request.headers.get("HX-Request"):
        return render(request, "dam/_asset_page.html", context)

    context.update(
        total=Asset.objects.filter(**filters).count(),
        filtered=bool(filters),
        kind_chips=_chips(filters, "kind", KIND_CHIPS),
        status_chips=_chips(filters, "status", STATUS_CHIPS),
    )
    return render(request, "dam/library.html", context)


def asset_detail(request, asset_id):
    """One asset: its preview or player, metadata, and processing state."""
    asset = get_object_or_404(
        Asset.objects.select_related("uploaded_by").prefetch_related(
            "renditions", "steps"
        ),
        pk=asset_id,
    )
    known = FORMATS.get(asset.mime_type)

    context = {
        "asset": asset,
        "format_label": known.label if known else asset.mime_type,
        "preview": asset.rendition("preview") or asset.rendition("thumbnail"),
        "poster": asset.rendition("poster"),
        "playable": _playable(asset),
        "position": asset_facts.gps_position(asset.metadata),
        "keywords": asset_facts.keywords(asset.metadata),
        "metadata_json": asset_facts.metadata_json(asset.metadata),
        "steps": asset_facts.processing_steps(asset),
        "finished": asset.status in (Asset.Status.READY, Asset.Status.FAILED),
    }
    if asset.kind == Asset.Kind.VIDEO:
        from moments.page import video_context

        context.update(video_context(request, asset))
    return render(request, "dam/asset_detail.html", context)


@require_POST
def asset_retry(request, asset_id):
    """Queue a failed asset's processing again.

    The upload page posts with htmx and gets the asset's row back (swapped
    out of band); a plain form post returns to the asset page.
    """
    asset = get_object_or_404(Asset, pk=asset_id)
    retried = asset.status == Asset.Status.FAILED
    if retried:
        retry_asset(asset)

    if request.headers.get("HX-Request"):
        row = upload_row(asset.id, asset)
        return render(request, "dam/_upload_rows.html", {"rows": [row]})

    if retried:
        messages.success(request, "%s is queued for processing again." % asset)
    else:
        state = asset.get_status_display().lower()
        messages.info(
            request, "%s is %s; only failed assets can be retried." % (asset, state)
        )
    return redirect(asset)
