from django.urls import path

from search.views import api, page

urlpatterns = [
    path("search/", page.search_page, name="search"),
    path("api/search/", api.SearchAPI.as_view(), name="api_search"),
]
