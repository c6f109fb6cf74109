import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus():
    """The shared, read-only corpus of real photos and a video."""
    assert (CORPUS / "README.md").exists(), "../shared/corpus is missing"
    return CORPUS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its originals and renditions in its own folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("marketing", password="s3cret-pass")


@pytest.fixture
def api_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION="Token %s" % token.key)
    return client


def database_url():
    """A URL for the database the test process is using right now."""
    from urllib.parse import quote

    db = connection.settings_dict
    host = quote(str(db["HOST"]), safe="") if db["HOST"] else "localhost"
    port = ":%s" % db["PORT"] if db["PORT"] else ""
    return "postgresql://%s:%s@%s%s/%s" % (
        db["USER"], quote(db["PASSWORD"] or ""), host, port, db["NAME"]
    )


@pytest.fixture
def celery_worker(transactional_db, media_root):
    """A real Celery worker process on the real broker and test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DAM_MEDIA_ROOT": str(media_root),
    }
    celery = [sys.executable, "-m", "celery", "-A", "dam"]
    subprocess.run(celery + ["purge", "-f"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    log = media_root.parent / "worker.log"
    with open(log, "wb") as log_file:
        worker = subprocess.Popen(
            celery + ["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip",
                      "--without-mingle", "--without-heartbeat"],
            env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_worker(log, worker)
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
    print(log.read_text())


def _wait_for_worker(log, worker, timeout=60):
    deadline = time.monotonic() + timeout
    while b"ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("celery worker did not start:\n%s" % log.read_text())
        time.sleep(0.2)


def wait_for_status(asset_id, statuses=("ready", "failed"), timeout=120):
    """Poll the database until the asset reaches one of ``statuses``."""
    from dam.models import Asset

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        asset = Asset.objects.get(pk=asset_id)
        if asset.status in statuses:
            return asset
        time.sleep(0.2)
    raise AssertionError("asset %s stuck at %s" % (asset_id, asset.status))


@pytest.fixture
def copy_of(tmp_path, corpus):
    """Copy a corpus file into the test's folder, so nothing writes there."""
    def copy(relative):
        target = tmp_path / Path(relative).name
        shutil.copyfile(corpus / relative, target)
        return target
    return copy
