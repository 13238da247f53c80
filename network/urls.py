from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from messaging.records import views as records_views
from network import api_errors, installable, views
from network.operations import health, metrics

api_v1 = [
    path("", include("network.api_urls")),
    path("", include("network.accounts.api_urls")),
    path("directory/introductions/", include("directory.introductions.api_urls")),
    path("directory/", include("directory.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("messaging.records.api_urls")),
    path("translations/", include("messaging.translations.api_urls")),
    path("jit/", include("messaging.jit.api_urls")),
    path("permissions/", include("messaging.disclosure.api_urls")),
    path("", include("messaging.guests.api_urls")),
    path("language-pairs/", include("network.languages.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from the pinned sidecar package, its start-up script a separate request: the
    # page works offline and under the site's strict CSP, with one addition: its style sheet
    # draws its icons as data: images.
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Answered by network/operations/middleware.py before any other middleware; listed here
    # so that they have names and rows in the access matrix.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.exposition, name="metrics"),
    # The verifier keys of case records (docs/records.md), public.
    path(
        ".well-known/counterpart-keys.json",
        records_views.verifier_keys,
        name="verifier-keys",
    ),
    # The service worker's scope is the path it is served from: the site's root.
    path("service-worker.js", installable.service_worker, name="service-worker"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("network.accounts.urls")),
    path("networks/", include("network.vetting.urls")),
    path("directory/introductions/", include("directory.introductions.urls")),
    path("directory/", include("directory.urls")),
    path("rooms/", include("messaging.urls")),
    path("rooms/", include("messaging.guests.urls")),
    path("translations/", include("messaging.translations.urls")),
    path("jit/", include("messaging.jit.urls")),
    path("permissions/", include("messaging.disclosure.urls")),
    path("records/", include("messaging.records.urls")),
    path("languages/", include("network.languages.urls")),
    path("api/v1/", include(api_v1)),
    # Every other path under /api/ answers the API's JSON 404, never an HTML page.
    re_path(r"^api/", api_errors.unknown_api_path, name="api-unknown"),
]

handler400 = api_errors.handler400
handler403 = api_errors.handler403
handler404 = api_errors.handler404
handler500 = api_errors.handler500
