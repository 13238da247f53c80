from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("new/", views.new_room, name="new_room"),
    path("tags/", views.tag_search, name="tag_search"),
    path("codes/", views.legend, name="legend"),
    path("<uuid:room_id>/", views.room, name="room"),
    path("<uuid:room_id>/threads/", views.create_thread, name="create_thread"),
    path("<uuid:room_id>/messages/", views.post_message, name="post_message"),
    path("<uuid:room_id>/settings/", views.room_settings, name="room_settings"),
    path(
        "<uuid:room_id>/messages/fragments/",
        views.message_fragments,
        name="message_fragments",
    ),
    path(
        "<uuid:room_id>/messages/<uuid:message_id>/edit/",
        views.edit_message,
        name="edit_message",
    ),
    path(
        "<uuid:room_id>/messages/<uuid:message_id>/delete/",
        views.delete_message,
        name="delete_message",
    ),
    path(
        "<uuid:room_id>/messages/<uuid:message_id>/history/",
        views.message_history,
        name="message_history",
    ),
    path(
        "<uuid:room_id>/attachments/<uuid:attachment_id>/",
        views.download_attachment,
        name="attachment",
    ),
    path("<uuid:room_id>/participants/", views.invite, name="invite"),
    path(
        "<uuid:room_id>/participants/<int:user_id>/remove/",
        views.remove,
        name="remove_participant",
    ),
]
