"""Django admin for staff: assets with their renditions and step states."""

import pytest

from dam.models import Asset
from ingest.pipeline import run_pipeline
from ingest.uploads import ingest_file

pytestmark = pytest.mark.django_db


def test_staff_see_assets_with_thumbnails_and_steps(admin_client, copy_of):
    asset = ingest_file(copy_of("photos/coffee.png"), "coffee.png").asset
    run_pipeline(asset.id)

    listing = admin_client.get("/admin/dam/asset/")
    page = admin_client.get("/admin/dam/asset/%s/change/" % asset.id)

    assert listing.status_code == 200
    assert b"coffee.png" in listing.content
    assert b"/renditions/thumbnail" in listing.content
    assert page.status_code == 200
    assert b"renditions" in page.content.lower()
    assert b"phash" in page.content


def test_retry_action_queues_failed_assets_again(admin_client, copy_of):
    asset = ingest_file(copy_of("photos/coins.png"), "coins.png").asset
    Asset.objects.filter(pk=asset.pk).update(status="failed", error="disk full")

    admin_client.post("/admin/dam/asset/", {
        "action": "retry_processing", "_selected_action": [str(asset.pk)],
    })

    asset.refresh_from_db()
    assert asset.status == "pending" and asset.error == ""


def test_non_staff_cannot_open_admin(client, user):
    client.force_login(user)

    response = client.get("/admin/dam/asset/")

    assert response.status_code == 302
