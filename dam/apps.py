from django.apps import AppConfig


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "Asset library"
    default_auto_field = "django.db.models.BigAutoField"
