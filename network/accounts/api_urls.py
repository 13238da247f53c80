from django.urls import path

from network.accounts import api_views

urlpatterns = [
    path("me/", api_views.me, name="api-me"),
    path("tokens/", api_views.token_collection, name="api-tokens"),
    path("tokens/<int:token_id>/", api_views.token_detail, name="api-token-detail"),
    path("invitations/", api_views.invitation_list, name="api-invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        api_views.revoke_invitation,
        name="api-revoke-invitation",
    ),
    path("networks/<slug:slug>/invitations/", api_views.invite, name="api-invite"),
]
