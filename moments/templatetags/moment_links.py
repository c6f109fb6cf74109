"""Template tags for linking to moments: ``{% load moment_links %}``."""

from django import template

from moments.models import frame_url
from moments.page import search_query_string

register = template.Library()


@register.simple_tag(takes_context=True)
def moment_url(context, asset, seconds=None):
    """The asset page; for a moment, with the current search and its time.

    ``/assets/<id>/?q=rocket#t=83.00``: the page lists the video's moments
    for the search and its player starts at the time. Without a time (a
    photo) it is the plain asset page.
    """
    url = asset.get_absolute_url()
    if seconds is None:
        return url
    request = context.get("request")
    query = search_query_string(request.GET) if request is not None else ""
    if query:
        url += "?" + query
    return url + "#t=%.2f" % seconds


@register.filter
def frame_src(asset, seconds):
    """URL of the picture of the asset's frame at ``seconds``."""
    return frame_url(asset.id, seconds)
