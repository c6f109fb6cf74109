from django.urls import reverse
from rest_framework import serializers

from dam.models import Asset


class AssetSerializer(serializers.ModelSerializer):
    phash = serializers.CharField(source="phash_hex", read_only=True, allow_null=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    steps = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()
    original = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id", "status", "error", "kind", "mime_type", "original_name", "title",
            "description", "byte_size", "width", "height", "duration", "sha256",
            "phash", "metadata", "captured_at", "camera", "uploaded_by",
            "uploaded_at", "steps", "thumbnail", "preview", "original",
        ]
        read_only_fields = fields

    def get_steps(self, asset) -> dict:
        return {
            step.name: {
                "state": step.state,
                "error": step.error,
                "finished_at": step.finished_at,
                "duration_ms": step.duration_ms,
            }
            for step in asset.steps.all()
        }

    def _rendition_url(self, asset, name):
        if asset.rendition(name) is None:
            return None
        return self._absolute(reverse("rendition_file", args=[asset.id, name]))

    def _absolute(self, url):
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_thumbnail(self, asset) -> str | None:
        return self._rendition_url(asset, "thumbnail")

    def get_preview(self, asset) -> str | None:
        return self._rendition_url(asset, "preview")

    def get_original(self, asset) -> str:
        return self._absolute(reverse("asset_original", args=[asset.id]))


class AssetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An image or video file.")


class DuplicateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    duplicate = serializers.BooleanField()
    status = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
