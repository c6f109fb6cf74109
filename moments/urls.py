from django.urls import path

from moments import views

urlpatterns = [
    path(
        "assets/<uuid:asset_id>/frames/<int:millisecond>",
        views.frame_image,
        name="video_frame",
    ),
]
