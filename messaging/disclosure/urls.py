from django.urls import path

from messaging.disclosure import views

app_name = "disclosure"

urlpatterns = [
    path("", views.permission_list, name="permissions"),
    path("share/", views.share, name="share"),
    path("<uuid:permission_id>/answer/", views.answer, name="answer"),
]
