"""The search page's parameters: what to look for, filters, page."""

from django import forms

from dam.models import Asset
from search.filters import SearchFilters

DATED_BY_CHOICES = [("taken", "Date taken"), ("uploaded", "Date uploaded")]


class FilterFieldsMixin:
    def filters(self):
        """The cleaned filters as SearchFilters."""
        data = self.cleaned_data
        return SearchFilters(
            kind=data.get("kind") or "",
            after=data.get("after"),
            before=data.get("before"),
            uploader=(data.get("uploader") or "").strip(),
            dated_by=data.get("dated_by") or "taken",
        )


class SearchForm(FilterFieldsMixin, forms.Form):
    q = forms.CharField(required=False, max_length=500, strip=True)
    similar = forms.UUIDField(required=False)
    # The key of an example image's vector kept in the session.
    example = forms.SlugField(required=False, max_length=40)
    kind = forms.ChoiceField(
        required=False, choices=[("", "Photos and videos"), *Asset.Kind.choices]
    )
    after = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    uploader = forms.CharField(required=False, max_length=150)
    dated_by = forms.ChoiceField(required=False, choices=DATED_BY_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=1000)

    def clean(self):
        data = super().clean()
        after, before = data.get("after"), data.get("before")
        if after and before and after > before:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class ExampleForm(FilterFieldsMixin, forms.Form):
    """An example image posted from the search bar, with the page's filters."""

    image = forms.FileField()
    kind = SearchForm.base_fields["kind"]
    after = SearchForm.base_fields["after"]
    before = SearchForm.base_fields["before"]
    uploader = SearchForm.base_fields["uploader"]
    dated_by = SearchForm.base_fields["dated_by"]
