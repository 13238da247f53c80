from django.urls import path

from messaging import api, api_room_settings

urlpatterns = [
    path("rooms/", api.rooms, name="messaging-rooms"),
    path("rooms/<uuid:room_id>/", api.room_detail, name="messaging-room"),
    path(
        "rooms/<uuid:room_id>/settings/",
        api_room_settings.room_settings,
        name="messaging-room-settings",
    ),
    path("rooms/<uuid:room_id>/participants/", api.participants, name="messaging-participants"),
    path(
        "rooms/<uuid:room_id>/participants/<int:user_id>/",
        api.participant,
        name="messaging-participant",
    ),
    path("rooms/<uuid:room_id>/threads/", api.threads, name="messaging-threads"),
    path(
        "rooms/<uuid:room_id>/threads/<uuid:thread_id>/readers/",
        api.thread_readers,
        name="messaging-thread-readers",
    ),
    path(
        "rooms/<uuid:room_id>/threads/<uuid:thread_id>/readers/<int:user_id>/",
        api.thread_reader,
        name="messaging-thread-reader",
    ),
    path("threads/", api.tag_search, name="messaging-tag-search"),
    path("rooms/<uuid:room_id>/events/", api.history, name="messaging-history"),
    path("rooms/<uuid:room_id>/messages/", api.messages, name="messaging-messages"),
    path(
        "rooms/<uuid:room_id>/messages/<uuid:message_id>/",
        api.message_detail,
        name="messaging-message",
    ),
    path(
        "rooms/<uuid:room_id>/messages/<uuid:message_id>/attachments/",
        api.attachments,
        name="messaging-attachments",
    ),
    path(
        "rooms/<uuid:room_id>/attachments/<uuid:attachment_id>/",
        api.attachment_download,
        name="messaging-attachment",
    ),
    path("rooms/<uuid:room_id>/read/", api.read_marker, name="messaging-read"),
    path("rooms/<uuid:room_id>/log/checkpoint/", api.checkpoint, name="messaging-checkpoint"),
    path(
        "rooms/<uuid:room_id>/log/consistency/",
        api.consistency_proof,
        name="messaging-consistency-proof",
    ),
    path(
        "rooms/<uuid:room_id>/log/proof/<int:seq>/",
        api.inclusion_proof,
        name="messaging-inclusion-proof",
    ),
]
