from django.urls import path

from messaging.disclosure import api

urlpatterns = [
    path("", api.permissions, name="api-permissions"),
    path("share/", api.share, name="api-permissions-share"),
    path("<uuid:permission_id>/", api.permission, name="api-permission"),
    path("<uuid:permission_id>/answer/", api.answer, name="api-permission-answer"),
]
