from django.http import HttpResponse


def library(request):
    return HttpResponse("library")


def asset_detail(request, asset_id):
    return HttpResponse("asset")


def asset_retry(request, asset_id):
    return HttpResponse("retry")
