"""The whole path on real servers: API upload, Redis, a Celery worker."""

import shutil

import pytest

from dam.models import Asset
from tests.conftest import wait_for_status

pytestmark = pytest.mark.worker


def upload(api_client, path):
    with open(path, "rb") as handle:
        return api_client.post("/api/assets/", {"file": handle}, format="multipart")


def test_uploaded_photos_and_video_become_ready(api_client, celery_worker, corpus, tmp_path):
    # given
    files = [corpus / "photos" / "rocket.jpg", corpus / "photos" / "horse.png",
             corpus / "video" / "cat_rocket_coffee.mp4"]

    # when
    ids = [upload(api_client, path).json()["id"] for path in files]
    assets = [wait_for_status(asset_id) for asset_id in ids]

    # then
    assert [asset.status for asset in assets] == ["ready"] * 3, [a.error for a in assets]
    assert [(asset.width, asset.height) for asset in assets] == [
        (640, 427), (400, 328), (640, 360)
    ]
    assert assets[2].kind == "video" and 11.5 < assets[2].duration < 12.5
    for asset in assets:
        thumbnail = asset.rendition("thumbnail")
        assert thumbnail is not None and max(thumbnail.width, thumbnail.height) <= 320
        assert asset.phash is not None


def test_a_truncated_file_fails_alone(api_client, celery_worker, corpus, tmp_path):
    # given a JPEG cut to a third of its bytes, then a good photo
    truncated = tmp_path / "cut.jpg"
    data = (corpus / "photos" / "china.jpg").read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    good = tmp_path / "flower.jpg"
    shutil.copyfile(corpus / "photos" / "flower.jpg", good)

    # when
    bad_id = upload(api_client, truncated).json()["id"]
    good_id = upload(api_client, good).json()["id"]

    # then
    bad = wait_for_status(bad_id)
    assert bad.status == "failed"
    assert "truncated" in bad.error.lower() or "damaged" in bad.error.lower()
    assert wait_for_status(good_id).status == "ready"
    assert celery_worker.poll() is None, "the worker is still alive"

    # and the API shows the failure
    body = api_client.get("/api/assets/%s/" % bad_id).json()
    assert body["status"] == "failed" and body["error"] == bad.error


def test_retry_reruns_only_what_is_missing(api_client, celery_worker, corpus):
    # given a processed asset whose renditions step is forgotten
    asset_id = upload(api_client, corpus / "photos" / "coffee.png").json()["id"]
    asset = wait_for_status(asset_id)
    steps_before = {step.name: step.finished_at for step in asset.steps.all()}
    asset.steps.filter(name="phash").update(state="failed", error="simulated")
    Asset.objects.filter(pk=asset_id).update(status="failed", error="simulated")

    # when
    from ingest.pipeline import retry_asset

    retry_asset(Asset.objects.get(pk=asset_id))
    asset = wait_for_status(asset_id)

    # then
    steps_after = {step.name: step.finished_at for step in asset.steps.all()}
    assert asset.status == "ready"
    assert steps_after["metadata"] == steps_before["metadata"]
    assert steps_after["phash"] > steps_before["phash"]
