from django.urls import path

from messaging.translations import views

app_name = "translations"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.new_request, name="new"),
    path("notifications/", views.notification_list, name="notifications"),
    path("<uuid:request_id>/", views.detail, name="detail"),
    path("<uuid:request_id>/item", views.item_download, name="item"),
    path("<uuid:request_id>/<str:action>", views.transition, name="transition"),
]
