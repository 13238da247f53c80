from django.urls import path

from network.languages import views

app_name = "languages"

urlpatterns = [
    path("", views.pairs, name="pairs"),
    path("<int:pair_id>/withdraw", views.withdraw, name="withdraw"),
]
