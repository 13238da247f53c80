from django.urls import path

from directory.introductions import api

app_name = "introductions-api"

urlpatterns = [
    path("", api.introductions, name="list"),
    path("<uuid:introduction_id>/", api.introduction_detail, name="detail"),
    path("<uuid:introduction_id>/accept/", api.accept, name="accept"),
    path("<uuid:introduction_id>/decline/", api.decline, name="decline"),
]
