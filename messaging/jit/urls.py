from django.urls import path

from messaging.jit import views

app_name = "jit"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("rooms/<uuid:room_id>/new/", views.new_proposal, name="new"),
    path("<uuid:proposal_id>/", views.detail, name="proposal"),
    path("<uuid:proposal_id>/edit/", views.edit, name="edit"),
    path("<uuid:proposal_id>/versions/<int:number>/diff/", views.diff, name="diff"),
    path("<uuid:proposal_id>/document/<str:language>/", views.document, name="document"),
    path(
        "<uuid:proposal_id>/signatures/<int:signature_id>/scan/",
        views.signature_scan,
        name="signature_scan",
    ),
    path("<uuid:proposal_id>/<str:step>", views.step, name="step"),
]
