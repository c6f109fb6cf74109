"""Filters that narrow a search: kind, date range, uploader.

They are applied inside the ranking query of every signal (never to a
top-k afterwards), so a narrow filter still fills its page.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from dam.models import Asset


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    after: date | None = None
    before: date | None = None
    uploader: str = ""
    # "taken": when the photo was captured, else when it was uploaded;
    # "uploaded": when it was uploaded.
    dated_by: str = "taken"

    def is_empty(self):
        return not (self.kind or self.after or self.before or self.uploader)

    def as_query(self):
        """Parameters that reproduce these filters in a search URL."""
        query = {}
        if self.kind:
            query["kind"] = self.kind
        if self.after:
            query["after"] = self.after.isoformat()
        if self.before:
            query["before"] = self.before.isoformat()
        if self.uploader:
            query["uploader"] = self.uploader
        if self.dated_by != "taken":
            query["dated_by"] = self.dated_by
        return query


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def searchable_assets(filters):
    """Assets a search may return: not failed, and matching the filters.

    ``after`` and ``before`` are whole days, both included.
    """
    assets = Asset.objects.exclude(status=Asset.Status.FAILED)
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.uploader:
        assets = assets.filter(uploaded_by__username=filters.uploader)

    if filters.after or filters.before:
        if filters.dated_by == "uploaded":
            field = "uploaded_at"
        else:
            assets = assets.annotate(dated=Coalesce("captured_at", "uploaded_at"))
            field = "dated"
        if filters.after:
            assets = assets.filter(Q(**{"%s__gte" % field: _start_of(filters.after)}))
        if filters.before:
            next_day = _start_of(filters.before + timedelta(days=1))
            assets = assets.filter(Q(**{"%s__lt" % field: next_day}))

    return assets
