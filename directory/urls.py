from django.urls import path

from directory import views
from directory.introductions import views as introductions

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("contact-points/<int:pk>/", views.contact_point, name="contact_point"),
    path("contact-points/<int:pk>/vcard/", views.contact_point_vcard, name="vcard"),
    path("contact-points/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("contact-points/<int:pk>/report/", views.report, name="report"),
    path("contact-points/<int:pk>/introduction/", introductions.ask, name="ask_introduction"),
    path("authorities/<int:pk>/", views.authority, name="authority"),
    path("networks/<slug:slug>/stale/", views.stale_entries, name="stale"),
    path(
        "networks/<slug:slug>/stale/<int:pk>/reconfirm/",
        views.request_reconfirmation,
        name="reconfirm",
    ),
    path(
        "networks/<slug:slug>/correspondents/",
        views.appoint_correspondent,
        name="appoint_correspondent",
    ),
    path(
        "networks/<slug:slug>/reports/<int:report_id>/resolve/",
        views.resolve_report,
        name="resolve_report",
    ),
]
