"""Serving the pictures of a video's sampled frames to signed-in users."""

from django.db.models import F
from django.db.models.functions import Abs
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET

from moments.models import VideoFrame


@require_GET
def frame_image(request, asset_id, millisecond):
    """The picture of the video's frame nearest to ``millisecond``.

    Nearest rather than exact: a result's time comes from the search index
    as a float, and a link to any time of the video should show something.
    """
    frames = VideoFrame.objects.filter(asset_id=asset_id)
    frame = (
        frames.annotate(gap=Abs(F("time") - millisecond / 1000)).order_by("gap").first()
    )
    if frame is None:
        raise Http404("The video has no sampled frames.")

    # Storages without a local path (S3) hand out their own, signed URLs.
    try:
        frame.image.path
    except NotImplementedError:
        return HttpResponseRedirect(frame.image.url)
    try:
        handle = frame.image.open("rb")
    except FileNotFoundError as err:
        raise Http404("The frame's picture is missing from storage.") from err

    response = FileResponse(handle, content_type="image/jpeg")
    # A frame's picture changes only when the video is sampled again.
    response["Cache-Control"] = "private, max-age=3600"
    return response
