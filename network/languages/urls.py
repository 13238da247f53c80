from django.urls import path

from network.languages import views

app_name = "languages"

urlpatterns = [
    path("", views.pairs, name="pairs"),
    path("<int:pair_id>/withdraw", views.withdraw, name="withdraw"),
    path("<int:pair_id>/evidence", views.evidence, name="evidence"),
    path("verifications/", views.verifications, name="verifications"),
    path("verifications/<int:pair_id>", views.verify, name="verify"),
    path("verifications/<int:pair_id>/withdraw", views.unverify, name="unverify"),
]
