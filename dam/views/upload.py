from django.http import HttpResponse


def upload_page(request):
    return HttpResponse("upload")


def upload_status(request):
    return HttpResponse("status")
