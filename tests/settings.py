"""Settings for the test suite: the real servers, under their own data dir."""

import os
from pathlib import Path

os.environ.setdefault(
    "DAM_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from dam.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when absent)
