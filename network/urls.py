from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from network import views
from network.operations import health, metrics

api_v1 = [
    path("", include("network.api_urls")),
    path("", include("network.accounts.api_urls")),
    path("directory/", include("directory.api_urls")),
    path("", include("messaging.api_urls")),
    path("translations/", include("messaging.translations.api_urls")),
    path("language-pairs/", include("network.languages.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Answered by network/operations/middleware.py before any other middleware; listed here
    # so that they have names and rows in the access matrix.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.exposition, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("network.accounts.urls")),
    path("networks/", include("network.vetting.urls")),
    path("directory/", include("directory.urls")),
    path("rooms/", include("messaging.urls")),
    path("translations/", include("messaging.translations.urls")),
    path("languages/", include("network.languages.urls")),
    path("api/v1/", include(api_v1)),
]
