from django.urls import path

from messaging.realtime.consumer import RoomsConsumer

websocket_urlpatterns = [
    path("ws/v1/", RoomsConsumer.as_asgi()),
]
