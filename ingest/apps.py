from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image
        from pillow_heif import register_heif_opener

        register_heif_opener()
        # Pillow refuses images over twice this many pixels outright and
        # warns above it; the upload check refuses above it before decoding.
        Image.MAX_IMAGE_PIXELS = settings.DAM_MAX_IMAGE_PIXELS
