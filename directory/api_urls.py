from django.urls import path

from directory import api

app_name = "directory-api"

urlpatterns = [
    path("contact-points/", api.contact_point_list, name="contact_points"),
    path("contact-points/<int:pk>/", api.contact_point_detail, name="contact_point"),
    path("contact-points/<int:pk>/vcard/", api.vcard, name="vcard"),
    path("contact-points/<int:pk>/confirm/", api.confirm, name="confirm"),
    path("contact-points/<int:pk>/correct/", api.correct, name="correct"),
    path("contact-points/<int:pk>/report/", api.report, name="report"),
    path("answer/", api.answer, name="answer"),
    path("export.csv", api.export, name="export"),
    path("import/", api.import_csv, name="import"),
    path("authorities/", api.authority_list, name="authorities"),
    path("authorities/<int:pk>/", api.authority_detail, name="authority"),
    path("networks/<slug:slug>/stale/", api.stale, name="stale"),
    path("networks/<slug:slug>/stale/<int:pk>/reconfirm/", api.reconfirm, name="reconfirm"),
]
