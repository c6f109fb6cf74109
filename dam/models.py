"""Assets (the uploaded originals) and their renditions."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


def original_path(asset, filename):
    """Storage path of an original: sharded by id, named by id, real suffix."""
    suffix = asset.file_suffix()
    return "originals/%s/%s/%s%s" % (asset.id.hex[:2], asset.id.hex[2:4], asset.id, suffix)


def rendition_path(rendition, filename):
    asset_id = rendition.asset_id.hex
    return "renditions/%s/%s/%s/%s" % (asset_id[:2], asset_id[2:4], asset_id, filename)


class Asset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    original = models.FileField(upload_to=original_path, max_length=500)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mime_type = models.CharField(max_length=100)
    byte_size = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds, video only.")
    sha256 = models.CharField(max_length=64, unique=True)
    # 64-bit pHash as a signed bigint, so that Hamming distance can be
    # computed in SQL: bit_count((phash # other)::bit(64)).
    phash = models.BigIntegerField(null=True, blank=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    camera = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["kind", "-uploaded_at"])]

    def __str__(self):
        return self.title or self.original_name

    def get_absolute_url(self):
        return reverse("asset_detail", args=[self.id])

    @property
    def display_name(self):
        return self.title or self.original_name

    @property
    def phash_hex(self):
        if self.phash is None:
            return None
        return "%016x" % (self.phash & 0xFFFFFFFFFFFFFFFF)

    def file_suffix(self):
        from ingest.formats import FORMATS

        known = FORMATS.get(self.mime_type)
        return known.suffix if known else ""

    def rendition(self, name):
        """Return the named rendition, or None when it is not made yet."""
        for rendition in self.renditions.all():
            if rendition.name == name:
                return rendition
        return None


class Rendition(models.Model):
    class Name(models.TextChoices):
        THUMBNAIL = "thumbnail", "Thumbnail"
        PREVIEW = "preview", "Preview"
        POSTER = "poster", "Poster"
        # An H.264/AAC MP4 made when the original video is not one that
        # browsers play.
        VIDEO = "video", "Playable video"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=20, choices=Name.choices)
    file = models.FileField(upload_to=rendition_path, max_length=500)
    mime_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # A playable copy of a long video may pass 2 GiB.
    byte_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "name"], name="one_rendition_per_name")
        ]

    def __str__(self):
        return "%s of %s" % (self.name, self.asset_id)

    def get_absolute_url(self):
        return reverse("rendition_file", args=[self.asset_id, self.name])
