"""Django settings, read from the environment.

Without ``DATABASE_URL`` / ``CELERY_BROKER_URL`` the embedded PostgreSQL and
Redis under ``DAM_DATA_DIR`` are used (started on demand when nothing runs
them already).
"""

import os
from pathlib import Path

import dj_database_url

from dam import embedded, instance

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DAM_DATA_DIR", BASE_DIR / "var")).resolve()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or instance.secret_key(DATA_DIR)
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver"
).split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "dam",
    "ingest",
    "search",
    "moments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dam.urls"
WSGI_APPLICATION = "dam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dam.context_processors.service_state",
            ],
        },
    },
]

# Database: a configured server, else the embedded one.
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {"default": embedded.postgres_settings(DATA_DIR)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "library"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("DAM_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"

# Originals and renditions go through Django storage: the file system by
# default, S3 (or any S3-compatible server) when DAM_S3_BUCKET is set.
if os.environ.get("DAM_S3_BUCKET"):
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DAM_S3_BUCKET"],
            "endpoint_url": os.environ.get("DAM_S3_ENDPOINT_URL") or None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = True

# Uploads stream to a temporary file from the first byte; the byte bound is
# enforced while streaming by ingest.upload_handlers.
FILE_UPLOAD_HANDLERS = ["ingest.upload_handlers.BoundedTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = os.environ.get("DAM_UPLOAD_TEMP_DIR") or None
DAM_MAX_UPLOAD_BYTES = int(os.environ.get("DAM_MAX_UPLOAD_BYTES", 2 * 1024**3))
# 180 MP covers medium-format cameras (150 MP) and stitched panoramas; larger
# images are refused before decoding as likely decompression bombs.
DAM_MAX_IMAGE_PIXELS = int(os.environ.get("DAM_MAX_IMAGE_PIXELS", 180_000_000))
# The ffmpeg that decodes video frames; empty means one on PATH, else the
# static build inside imageio-ffmpeg.
DAM_FFMPEG = os.environ.get("DAM_FFMPEG", "")
# Video moments: a frame is kept at each new shot and at least every
# DAM_FRAME_INTERVAL seconds, but never more than DAM_FRAMES_PER_MINUTE_MAX
# a minute (a strobing video would otherwise cut at every frame).
DAM_FRAME_INTERVAL = float(os.environ.get("DAM_FRAME_INTERVAL", 2))
DAM_FRAMES_PER_MINUTE_MAX = int(os.environ.get("DAM_FRAMES_PER_MINUTE_MAX", 60))

# Visual search: an open_clip architecture and its weights (a pretrained tag
# or a checkpoint file), optionally a model config JSON for architectures
# open_clip does not ship. See `python manage.py clip_model status`.
DAM_CLIP_MODEL = os.environ.get("DAM_CLIP_MODEL", "ViT-B-32")
DAM_CLIP_PRETRAINED = os.environ.get("DAM_CLIP_PRETRAINED", "openai")
DAM_CLIP_MODEL_CONFIG = os.environ.get("DAM_CLIP_MODEL_CONFIG", "")
# Hugging Face hub cache to look for downloaded weights in; empty means the
# hub's own default (HF_HUB_CACHE, else ~/.cache/huggingface/hub).
DAM_CLIP_CACHE_DIR = os.environ.get("DAM_CLIP_CACHE_DIR", "")
DAM_VECTOR_BACKEND = os.environ.get("DAM_VECTOR_BACKEND", "pgvector")

# Celery: a configured broker, else the embedded Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or embedded.redis_url(DATA_DIR)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A job not acknowledged within this many seconds (a killed worker) is
# delivered again; longer than the slowest ingest of a long video.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "") == "1"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DAM API",
    "DESCRIPTION": "Upload, browse and search photos and videos.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed package, not a CDN: works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "dam": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
        "ingest": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
        "search": {"level": os.environ.get("DAM_LOG_LEVEL", "INFO")},
    },
}
