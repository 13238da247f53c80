from django.urls import path

from directory.introductions import views

app_name = "introductions"

urlpatterns = [
    path("", views.overview, name="list"),
    path("<uuid:introduction_id>/", views.detail, name="detail"),
    path("<uuid:introduction_id>/accept/", views.accept, name="accept"),
    path("<uuid:introduction_id>/decline/", views.decline, name="decline"),
]
