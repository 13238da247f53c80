from django.urls import path

from messaging.guests import views

app_name = "guests"

urlpatterns = [
    path("<uuid:room_id>/guests/", views.room_guests, name="room_guests"),
    path("guests/", views.guest_list, name="list"),
    path("guests/<int:guest_id>/decision/", views.decision, name="decision"),
    path("guests/<int:guest_id>/end/", views.end, name="end"),
]
