"""The search page: words, "find similar", or an example image."""

import logging
import secrets

import numpy as np
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from dam.models import Asset
from search import services
from search.examples import ExampleRefused, example_image
from search.forms import ExampleForm, SearchForm
from search.weights import model_identity

logger = logging.getLogger(__name__)

PAGE_SIZE = 24
# Example vectors kept in the session (512 floats, ~10 kB each as JSON),
# so that paging through an example's results needs no second upload.
EXAMPLES_KEPT = 5
SESSION_KEY = "search_examples"


@require_http_methods(["GET", "POST"])
def search_page(request):
    """Ranked results for ?q=, ?similar=<asset id> or ?example=<key>."""
    if request.method == "POST":
        return _search_by_example(request)

    form = SearchForm(request.GET or None)
    context = {"form": form, "page": None, "subject": None, "example": None}
    if not form.is_valid():
        return render(
            request, "search/results.html", context, status=400 if form.errors else 200
        )

    data = form.cleaned_data
    number = data.get("page") or 1
    filters = form.filters()
    window = {
        "filters": filters,
        "limit": PAGE_SIZE,
        "offset": (number - 1) * PAGE_SIZE,
    }
    try:
        if data.get("similar"):
            context["subject"] = get_object_or_404(Asset, pk=data["similar"])
            context["page"] = services.search_similar(data["similar"], **window)
        elif data.get("example"):
            context["example"] = _stored_example(request, data["example"])
            context["page"] = services.search_vector(
                context["example"]["vector"], **window
            )
        elif data.get("q"):
            context["page"] = services.search_text(data["q"], **window)
    except services.SearchUnavailable as err:
        context["unavailable"] = err

    context.update(_paging(request, number, context["page"]))
    return render(request, "search/results.html", context)


def _search_by_example(request):
    form = ExampleForm(request.POST, request.FILES)
    context = {"form": SearchForm(), "page": None, "subject": None, "example": None}
    if not form.is_valid():
        context["example_error"] = "Choose an image file to search with."
        return render(request, "search/results.html", context, status=400)

    try:
        vector = services.embed_example(example_image(form.cleaned_data["image"]))
    except ExampleRefused as err:
        context["example_error"] = str(err)
        return render(request, "search/results.html", context, status=400)
    except services.SearchUnavailable as err:
        context["unavailable"] = err
        return render(request, "search/results.html", context, status=503)

    key = _remember_example(request, vector, form.cleaned_data["image"].name)
    query = {"example": key, **form.filters().as_query()}
    return HttpResponseRedirect("%s?%s" % (reverse("search"), urlencode(query)))


def _remember_example(request, vector, name):
    examples = dict(request.session.get(SESSION_KEY, {}))
    while len(examples) >= EXAMPLES_KEPT:
        examples.pop(next(iter(examples)))
    key = secrets.token_urlsafe(8)
    examples[key] = {
        "model": model_identity(),
        "name": name[:100],
        "vector": [round(float(value), 7) for value in vector],
    }
    request.session[SESSION_KEY] = examples
    return key


def _stored_example(request, key):
    stored = request.session.get(SESSION_KEY, {}).get(key)
    if stored is None or stored["model"] != model_identity():
        raise services.SearchUnavailable(
            "That example image is no longer remembered; "
            "drop it on the search bar again."
        )
    return {**stored, "vector": np.asarray(stored["vector"], dtype=np.float32)}


def _paging(request, number, page):
    if page is None:
        return {}
    query = request.GET.copy()
    links = {}
    if number > 1:
        query["page"] = number - 1
        links["previous_url"] = "?" + query.urlencode()
    if page.has_more:
        query["page"] = number + 1
        links["next_url"] = "?" + query.urlencode()
    return {**links, "page_number": number, "first_rank": (number - 1) * PAGE_SIZE + 1}
