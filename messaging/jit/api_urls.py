from django.urls import path

from messaging.jit import api

urlpatterns = [
    path("", api.proposals, name="api-jit"),
    path("<uuid:proposal_id>/", api.detail, name="api-jit-detail"),
    path("<uuid:proposal_id>/consent/", api.consent, name="api-jit-consent"),
    path(
        "<uuid:proposal_id>/signatures/<int:signature_id>/scan/",
        api.signature_scan,
        name="api-jit-signature-scan",
    ),
]
