from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dam.views import api, files, health, library, upload

urlpatterns = [
    path("", library.library, name="library"),
    path("assets/<uuid:asset_id>/", library.asset_detail, name="asset_detail"),
    path("assets/<uuid:asset_id>/retry/", library.asset_retry, name="asset_retry"),
    path("assets/<uuid:asset_id>/original", files.original, name="asset_original"),
    path(
        "assets/<uuid:asset_id>/renditions/<str:name>",
        files.rendition,
        name="rendition_file",
    ),
    path("upload/", upload.upload_page, name="upload"),
    path("upload/status/", upload.upload_status, name="upload_status"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/assets/", api.AssetListCreate.as_view(), name="api_assets"),
    path("api/assets/<uuid:pk>/", api.AssetDetail.as_view(), name="api_asset"),
    path("api/auth/token/", api.obtain_token, name="api_token"),
    path(
        "api/schema/",
        login_not_required(SpectacularAPIView.as_view()),
        name="api_schema",
    ),
    path(
        "api/docs/",
        login_not_required(SpectacularSwaggerView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
    path("", include("search.urls")),
    path("", include("moments.urls")),
]
