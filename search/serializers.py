"""Parameters and answers of the search API."""

from django.urls import reverse
from rest_framework import serializers

from dam.models import Asset
from search.filters import SearchFilters
from search.forms import DATED_BY_CHOICES

MAX_LIMIT = 200


class SearchParamsSerializer(serializers.Serializer):
    """Filters and paging, shared by every form of query."""

    kind = serializers.ChoiceField(choices=Asset.Kind.choices, required=False)
    after = serializers.DateField(
        required=False, help_text="First day, included (ISO date)."
    )
    before = serializers.DateField(
        required=False, help_text="Last day, included (ISO date)."
    )
    uploader = serializers.CharField(
        required=False, max_length=150, help_text="A username."
    )
    dated_by = serializers.ChoiceField(
        choices=DATED_BY_CHOICES,
        required=False,
        default="taken",
        help_text="taken: date captured, else uploaded; uploaded: date uploaded.",
    )
    limit = serializers.IntegerField(
        required=False, default=24, min_value=1, max_value=MAX_LIMIT
    )
    offset = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=10_000
    )

    def validate(self, data):
        if data.get("after") and data.get("before") and data["after"] > data["before"]:
            raise serializers.ValidationError(
                {"after": ["after is later than before."]}
            )
        return data

    def filters(self):
        data = self.validated_data
        return SearchFilters(
            kind=data.get("kind", ""),
            after=data.get("after"),
            before=data.get("before"),
            uploader=data.get("uploader", "").strip(),
            dated_by=data.get("dated_by", "taken"),
        )


class SearchQuerySerializer(SearchParamsSerializer):
    q = serializers.CharField(
        required=False, max_length=500, help_text="Words to look for."
    )
    similar = serializers.UUIDField(
        required=False, help_text="Find assets like this one."
    )

    def validate(self, data):
        data = super().validate(data)
        if bool(data.get("q", "").strip()) == bool(data.get("similar")):
            raise serializers.ValidationError(
                "Give either q (words) or similar (an asset id)."
            )
        return data


class SearchImageSerializer(SearchParamsSerializer):
    image = serializers.FileField(help_text="An example image; it is not stored.")


class SearchResultSerializer(serializers.Serializer):
    asset = serializers.UUIDField(source="asset_id")
    score = serializers.FloatField()
    time = serializers.FloatField(
        allow_null=True, help_text="Seconds into a video, or null."
    )
    thumbnail = serializers.SerializerMethodField()
    signals = serializers.DictField(
        source="contributions",
        child=serializers.FloatField(),
        help_text="What each signal added to the score.",
    )
    reasons = serializers.ListField(child=serializers.CharField())

    def get_thumbnail(self, result) -> str | None:
        if result.time is not None:
            # A moment of a video: the picture of its frame at that time.
            millisecond = round(result.time * 1000)
            url = reverse("video_frame", args=[result.asset_id, millisecond])
        elif result.asset is None or result.asset.rendition("thumbnail") is None:
            return None
        else:
            url = reverse("rendition_file", args=[result.asset_id, "thumbnail"])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class SearchPageSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    has_more = serializers.BooleanField()
    mode = serializers.ChoiceField(choices=["text", "keywords", "similar", "image"])
    notice = serializers.CharField(allow_blank=True)
    fix = serializers.CharField(allow_blank=True)


class SearchUnavailableSerializer(serializers.Serializer):
    detail = serializers.CharField()
    fix = serializers.CharField(allow_blank=True)
