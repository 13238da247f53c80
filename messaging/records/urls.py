from django.urls import path

from messaging.records import pages

app_name = "records"

urlpatterns = [
    path("rooms/<uuid:room_id>/", pages.room_record, name="room"),
    path("rooms/<uuid:room_id>/export/", pages.request_export, name="request"),
    path("rooms/<uuid:room_id>/close/", pages.close, name="close"),
    path("rooms/<uuid:room_id>/holds/", pages.place_hold, name="place_hold"),
    path("holds/<uuid:hold_id>/lift/", pages.lift_hold, name="lift_hold"),
    path("exports/<uuid:export_id>/", pages.export_page, name="export"),
    path("exports/<uuid:export_id>/approve/", pages.approve, name="approve"),
    path("exports/<uuid:export_id>/download/", pages.download, name="download"),
    path("networks/<slug:slug>/retention/", pages.retention, name="retention"),
]
