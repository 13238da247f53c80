from django.urls import path

from network.languages import api

urlpatterns = [
    path("", api.pairs, name="api-language-pairs"),
    path("verifications/", api.verifications, name="api-language-pair-verifications"),
    path("<int:pair_id>/", api.pair, name="api-language-pair"),
    path("<int:pair_id>/evidence/", api.evidence, name="api-language-pair-evidence"),
    path("<int:pair_id>/verification/", api.verification, name="api-language-pair-verification"),
]
