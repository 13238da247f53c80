from django.urls import path

from network import api
from network.vetting.decisions import DECISIONS

network = "networks/<slug:slug>/"
membership = network + "memberships/<int:pk>/"

urlpatterns = [
    path("networks/", api.NetworkList.as_view(), name="api-networks"),
    path(network, api.NetworkDetail.as_view(), name="api-network"),
    path("memberships/", api.MyMemberships.as_view(), name="api-my-memberships"),
    path(network + "apply/", api.Apply.as_view(), name="api-apply"),
    path(network + "applications/", api.Applications.as_view(), name="api-applications"),
    path(network + "applications/<int:pk>/endorse/", api.Endorse.as_view(), name="api-endorse"),
    path(network + "queue/", api.Queue.as_view(), name="api-queue"),
    path(network + "members/", api.Members.as_view(), name="api-members"),
    path(network + "decisions/", api.NetworkDecisions.as_view(), name="api-network-decisions"),
    path(
        membership + "decisions/",
        api.MembershipDecisions.as_view(),
        name="api-membership-decisions",
    ),
    path(membership + "role/", api.ChangeRole.as_view(), name="api-role"),
    path(membership + "letter/", api.designation_letter, name="api-designation-letter"),
    *[
        path(
            membership + f"{decision.path}/",
            api.Decide.as_view(decision=decision.name),
            name=f"api-{decision.path}",
        )
        for decision in DECISIONS.values()
        if not decision.takes_role
    ],
]
