from django.urls import path

from network.vetting import views

app_name = "vetting"

urlpatterns = [
    path("", views.network_list, name="networks"),
    path("<slug:slug>/", views.network_detail, name="network"),
    path("<slug:slug>/apply/", views.apply, name="apply"),
    path("<slug:slug>/applications/", views.applications, name="applications"),
    path("<slug:slug>/applications/<int:pk>/endorse/", views.endorse, name="endorse"),
    path("<slug:slug>/queue/", views.queue, name="queue"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/decisions/", views.network_decisions, name="decisions"),
    path("<slug:slug>/memberships/<int:pk>/", views.membership_detail, name="membership"),
    path("<slug:slug>/memberships/<int:pk>/decide/", views.decide, name="decide"),
    path(
        "<slug:slug>/memberships/<int:pk>/letter/",
        views.designation_letter,
        name="designation_letter",
    ),
]
