from django.urls import path

from messaging.translations import api, api_availability

urlpatterns = [
    path("", api.requests, name="api-translations"),
    path("board/", api.board, name="api-translations-board"),
    path("queue/", api.queue, name="api-translations-queue"),
    path(
        "availability/",
        api_availability.translation_availability,
        name="api-translations-availability",
    ),
    path("notifications/", api.notification_list, name="api-translation-notifications"),
    path(
        "notifications/read-all/",
        api.notifications_read_all,
        name="api-translation-notifications-read-all",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        api.notification_read,
        name="api-translation-notification-read",
    ),
    path("<uuid:request_id>/", api.detail, name="api-translation"),
    path("<uuid:request_id>/item/", api.item, name="api-translation-item"),
    path(
        "<uuid:request_id>/<str:action>/",
        api.transition,
        name="api-translation-transition",
    ),
]
