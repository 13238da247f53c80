from django.urls import path

from messaging.guests import api

urlpatterns = [
    path("rooms/<uuid:room_id>/guests/", api.room_guests, name="api-room-guests"),
    path("guests/", api.guests, name="api-guests"),
    path("guests/<int:guest_id>/decision/", api.decision, name="api-guest-decision"),
    path("guests/<int:guest_id>/end/", api.end, name="api-guest-end"),
]
