"""The frames sampled from a video, each the picture of one moment."""

from django.db import models
from django.urls import reverse


def frame_path(frame, filename):
    """Storage path of a frame: beside the asset's renditions."""
    asset_id = frame.asset_id.hex
    return "renditions/%s/%s/%s/frames/%s" % (
        asset_id[:2],
        asset_id[2:4],
        asset_id,
        filename,
    )


class VideoFrame(models.Model):
    """A frame the sampler kept: its time and a small upright picture of it.

    The picture is what CLIP embeds for the moment (the embedding is stored
    in search.Embedding with the same ``time``), what a search result for
    the moment shows, and a cell of the asset page's scrubber strip.
    """

    asset = models.ForeignKey(
        "dam.Asset", on_delete=models.CASCADE, related_name="frames"
    )
    time = models.FloatField(help_text="Seconds from the start of the video.")
    image = models.FileField(upload_to=frame_path, max_length=500)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "time"], name="one_frame_per_asset_time"
            )
        ]

    def __str__(self):
        return "frame of %s at %.3f s" % (self.asset_id, self.time)

    def get_absolute_url(self):
        return frame_url(self.asset_id, self.time)


def frame_url(asset_id, seconds):
    """URL of the asset's frame picture nearest to ``seconds``."""
    return reverse("video_frame", args=[asset_id, round(seconds * 1000)])
