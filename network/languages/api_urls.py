from django.urls import path

from network.languages import api

urlpatterns = [
    path("", api.pairs, name="api-language-pairs"),
    path("<int:pair_id>/", api.pair, name="api-language-pair"),
]
