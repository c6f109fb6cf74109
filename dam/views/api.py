"""The REST API for assets and tokens."""

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from dam.models import Asset
from dam.serializers import (
    AssetSerializer,
    AssetUploadSerializer,
    DuplicateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from ingest.upload_handlers import client_file_name
from ingest.uploads import UploadRefused, ingest_file

ASSETS = Asset.objects.select_related("uploaded_by").prefetch_related(
    "renditions", "steps"
)


@method_decorator(login_not_required, name="dispatch")
class AssetListCreate(generics.ListCreateAPIView):
    """List assets, newest first, or upload a new one."""

    serializer_class = AssetSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        queryset = ASSETS
        choices = {"kind": Asset.Kind.values, "status": Asset.Status.values}
        for field, allowed in choices.items():
            value = self.request.query_params.get(field)
            if value and value not in allowed:
                raise ValidationError({field: ["Choose one of: %s." % ", ".join(allowed)]})
            if value:
                queryset = queryset.filter(**{field: value})
        return queryset

    @extend_schema(
        request={"multipart/form-data": AssetUploadSerializer},
        responses={
            201: AssetSerializer,
            200: OpenApiResponse(DuplicateSerializer, "The same bytes are already stored."),
            400: OpenApiResponse(description="Refused: type, size or pixel count."),
        },
    )
    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        # Read after FILES: parsing the body is what records refusals.
        refusals = getattr(request, "upload_refusals", {})
        if upload is None:
            reason = next(iter(refusals.values()), "Send the file in the multipart field 'file'.")
            raise ValidationError({"file": [reason]})

        try:
            accepted = ingest_file(
                upload.temporary_file_path(), client_file_name(upload.name), request.user
            )
        except UploadRefused as err:
            raise ValidationError({"file": [str(err)]}) from err
        finally:
            upload.close()

        if accepted.duplicate:
            body = {"id": accepted.asset.id, "duplicate": True, "status": accepted.asset.status}
            return Response(body, status=status.HTTP_200_OK)

        asset = ASSETS.get(pk=accepted.asset.pk)
        body = AssetSerializer(asset, context={"request": request}).data
        return Response({**body, "duplicate": False}, status=status.HTTP_201_CREATED)


@method_decorator(login_not_required, name="dispatch")
class AssetDetail(generics.RetrieveAPIView):
    """One asset with its processing state."""

    serializer_class = AssetSerializer
    queryset = ASSETS


@extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
@login_not_required
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_token(request):
    """Exchange a username and password for an API token."""
    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)

    user = authenticate(
        request,
        username=serializer.validated_data["username"],
        password=serializer.validated_data["password"],
    )
    if user is None or not user.is_active:
        raise ValidationError({"non_field_errors": ["Wrong username or password."]})

    token, _ = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})
