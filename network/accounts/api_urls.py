from django.urls import path

from network.accounts import api_views

urlpatterns = [
    path("me/", api_views.me, name="api-me"),
    path("tokens/", api_views.token_collection, name="api-tokens"),
    path("tokens/<int:token_id>/", api_views.token_detail, name="api-token-detail"),
]
