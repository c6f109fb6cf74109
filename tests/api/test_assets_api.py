"""The asset API that outside checks rely on."""

import io

import pytest
from PIL import Image

from dam.models import Asset

pytestmark = pytest.mark.django_db


def jpeg_bytes(color="red", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    return buffer


def test_upload_answers_201_with_the_new_asset(api_client, user):
    # when
    response = api_client.post("/api/assets/", {"file": jpeg_bytes()}, format="multipart")

    # then
    assert response.status_code == 201
    body = response.json()
    asset = Asset.objects.get(pk=body["id"])
    assert body["status"] == "pending"
    assert body["kind"] == "image"
    assert body["duplicate"] is False
    assert asset.uploaded_by == user
    assert asset.original_name == "photo.jpg"
    assert asset.original.read()[:3] == b"\xff\xd8\xff"


def test_same_bytes_again_names_the_existing_asset(api_client):
    # given
    first = api_client.post("/api/assets/", {"file": jpeg_bytes("blue")}, format="multipart")

    # when
    again = api_client.post("/api/assets/", {"file": jpeg_bytes("blue")}, format="multipart")

    # then
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate"] is True
    assert Asset.objects.count() == 1


def test_text_renamed_jpg_is_refused_with_the_reason(api_client):
    fake = io.BytesIO(b"this is not a photo, just some text\n" * 20)
    fake.name = "holiday.jpg"

    response = api_client.post("/api/assets/", {"file": fake}, format="multipart")

    assert response.status_code == 400
    assert "Unsupported file type" in response.json()["file"][0]
    assert Asset.objects.count() == 0


def test_file_over_the_byte_limit_is_refused(api_client, settings):
    settings.DAM_MAX_UPLOAD_BYTES = 1000

    response = api_client.post(
        "/api/assets/", {"file": jpeg_bytes(size=(400, 400))}, format="multipart"
    )

    assert response.status_code == 400
    assert "larger than the 1000" in response.json()["file"][0]
    assert Asset.objects.count() == 0


def test_asset_detail_reports_state_and_fields(api_client):
    created = api_client.post("/api/assets/", {"file": jpeg_bytes()}, format="multipart")

    response = api_client.get("/api/assets/%s/" % created.json()["id"])

    assert response.status_code == 200
    body = response.json()
    for field in ("status", "error", "kind", "width", "height", "duration", "sha256",
                  "phash", "metadata"):
        assert field in body
    assert len(body["sha256"]) == 64


def test_api_requires_a_token(client):
    response = client.get("/api/assets/")

    assert response.status_code in (401, 403)


def test_token_from_username_and_password(client, user):
    response = client.post(
        "/api/auth/token/", {"username": "marketing", "password": "s3cret-pass"}
    )
    wrong = client.post("/api/auth/token/", {"username": "marketing", "password": "nope"})

    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/assets/", HTTP_AUTHORIZATION="Token %s" % token)
    assert listing.status_code == 200
    assert wrong.status_code == 400


def test_openapi_schema_describes_the_upload(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/assets/" in schema["paths"]
    assert "post" in schema["paths"]["/api/assets/"]


def test_healthz_reports_database_broker_and_models(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["database"]["pgvector"]
    assert body["broker"]["ok"] is True
    assert "models" in body


def test_api_docs_load_swagger_ui_from_this_server(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"cdn.jsdelivr.net" not in response.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content


def test_browser_escaped_quotes_in_file_names_are_restored(api_client):
    photo = jpeg_bytes("green")
    photo.name = 'the %22final%22 cut.jpg'

    response = api_client.post("/api/assets/", {"file": photo}, format="multipart")

    assert response.json()["original_name"] == 'the "final" cut.jpg'


def test_listing_filters_by_kind_and_refuses_unknown_values(api_client):
    api_client.post("/api/assets/", {"file": jpeg_bytes("navy")}, format="multipart")

    images = api_client.get("/api/assets/?kind=image").json()
    videos = api_client.get("/api/assets/?kind=video").json()
    bogus = api_client.get("/api/assets/?kind=bogus")

    assert images["count"] == 1 and videos["count"] == 0
    assert bogus.status_code == 400 and "Choose one of" in bogus.json()["kind"][0]
