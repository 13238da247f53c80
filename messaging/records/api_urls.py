from django.urls import path

from messaging.records import api

urlpatterns = [
    path("rooms/<uuid:room_id>/records/", api.request_export, name="records-request"),
    path("records/<uuid:export_id>/", api.export_detail, name="records-export"),
    path("records/<uuid:export_id>/approve/", api.approve, name="records-approve"),
    path("records/<uuid:export_id>/download/", api.download, name="records-download"),
    path("rooms/<uuid:room_id>/close/", api.close, name="records-close"),
    path("rooms/<uuid:room_id>/holds/", api.holds, name="records-holds"),
    path("holds/<uuid:hold_id>/", api.hold, name="records-hold"),
    path("networks/<slug:slug>/retention/", api.retention, name="records-retention"),
]
