from django.apps import AppConfig


class MomentsConfig(AppConfig):
    name = "moments"
    verbose_name = "Video moments"
    default_auto_field = "django.db.models.BigAutoField"
