"""Template filters for showing assets: durations and step timings."""

from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as a video clock: 0:07, 12:04, 1:02:03."""
    if seconds is None or seconds == "":
        return ""
    total = int(round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return "%d:%02d:%02d" % (hours, minutes, secs)
    return "%d:%02d" % (minutes, secs)


@register.filter
def milliseconds(value):
    """A step's duration: 85 ms below a second, 1.4 s above."""
    if value is None or value == "":
        return ""
    value = int(value)
    if value < 1000:
        return "%d ms" % value
    return "%.1f s" % (value / 1000)


@register.filter
def rendition(asset, name):
    """The asset's named rendition, or None: ``asset|rendition:"thumbnail"``."""
    return asset.rendition(name)
