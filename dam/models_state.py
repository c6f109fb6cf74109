"""What the installation knows about its machine-learning models.

Each capability that depends on a model registers a describer here, so that
/healthz and the UI banner report them in one place.
"""

from django.utils.module_loading import import_string

# Dotted paths of functions returning {"name": ..., "ready": bool, ...}.
MODEL_DESCRIBERS = [
    "search.health.describe_clip",
]


def describe_models():
    return {
        described["name"]: described
        for described in (import_string(path)() for path in MODEL_DESCRIBERS)
    }
