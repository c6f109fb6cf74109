"""The search API: by words, by an asset, or by an uploaded example."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dam.models import Asset
from search import services
from search.examples import ExampleRefused, example_image
from search.serializers import (
    SearchImageSerializer,
    SearchPageSerializer,
    SearchQuerySerializer,
    SearchUnavailableSerializer,
)

UNAVAILABLE = OpenApiResponse(
    SearchUnavailableSerializer, "The CLIP model is not installed; `fix` says how to."
)


@method_decorator(login_not_required, name="dispatch")
class SearchAPI(APIView):
    """Search the library: ranked assets, best first, with their scores."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses={
            200: SearchPageSerializer,
            400: OpenApiResponse(description="Bad parameters."),
            404: OpenApiResponse(description="No such asset."),
            503: UNAVAILABLE,
        },
    )
    def get(self, request):
        """By words (?q=) or like an asset (?similar=<id>), with filters.

        Without the CLIP model, words still match names, titles,
        descriptions and keywords (mode "keywords"); similar answers 503.
        """
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        window = {
            "filters": params.filters(),
            "limit": data["limit"],
            "offset": data["offset"],
        }

        try:
            if data.get("similar"):
                get_object_or_404(Asset, pk=data["similar"])
                page = services.search_similar(data["similar"], **window)
            else:
                page = services.search_text(data["q"], **window)
        except services.SearchUnavailable as err:
            return _unavailable(err)
        return _answer(request, page)

    @extend_schema(
        request={"multipart/form-data": SearchImageSerializer},
        responses={
            200: SearchPageSerializer,
            400: OpenApiResponse(description="Not a usable image."),
            503: UNAVAILABLE,
        },
    )
    def post(self, request):
        """Like an example image sent as multipart field ``image``."""
        params = SearchImageSerializer(data=request.data)
        if not params.is_valid():
            refusals = getattr(request, "upload_refusals", {})
            if refusals:
                raise ValidationError({"image": list(refusals.values())})
            raise ValidationError(params.errors)
        data = params.validated_data

        try:
            image = example_image(data["image"])
            page = services.search_image(
                image,
                filters=params.filters(),
                limit=data["limit"],
                offset=data["offset"],
            )
        except ExampleRefused as err:
            raise ValidationError({"image": [str(err)]}) from err
        except services.SearchUnavailable as err:
            return _unavailable(err)
        finally:
            data["image"].close()
        return _answer(request, page)


def _answer(request, page):
    body = SearchPageSerializer(page, context={"request": request}).data
    return Response(body)


def _unavailable(err):
    return Response(
        {"detail": str(err), "fix": err.fix}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )
