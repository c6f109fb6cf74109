from django.contrib import admin, messages
from django.utils.html import format_html

from dam.models import Asset, Rendition
from ingest.models import IngestStep
from ingest.pipeline import retry_asset


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    fields = ["name", "mime_type", "width", "height", "byte_size", "created_at"]
    readonly_fields = fields
    can_delete = False


class IngestStepInline(admin.TabularInline):
    model = IngestStep
    extra = 0
    fields = ["name", "state", "version", "error", "finished_at", "duration_ms"]
    readonly_fields = fields
    can_delete = False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "original_name", "kind", "status", "width", "height",
                    "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "status", "uploaded_at"]
    search_fields = ["original_name", "title", "description", "sha256"]
    readonly_fields = ["id", "original", "kind", "mime_type", "byte_size", "width",
                       "height", "duration", "sha256", "phash", "metadata", "captured_at",
                       "camera", "uploaded_by", "uploaded_at", "status", "error"]
    fields = ["title", "description", *readonly_fields]
    inlines = [RenditionInline, IngestStepInline]
    actions = ["retry_processing"]

    @admin.display(description="")
    def thumbnail(self, asset):
        rendition = asset.rendition("thumbnail")
        if rendition is None:
            return ""
        return format_html('<img src="{}" style="height:48px">', rendition.get_absolute_url())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    @admin.action(description="Retry processing of the selected assets")
    def retry_processing(self, request, queryset):
        for asset in queryset:
            retry_asset(asset)
        self.message_user(request, "Queued %d assets again." % queryset.count(),
                          messages.SUCCESS)
