"""Installable: the service worker, served at the site's root so that its scope is the whole
site. It caches the static shell only (the hashed style sheets, scripts and icon listed here)
and never a page, an API answer, a file or a WebSocket: everything else goes to the network
untouched. The manifest is a static file (counterpart/manifest.webmanifest).
"""

import hashlib

from django.conf import settings
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

SHELL = (
    "counterpart/site.css",
    "counterpart/site.js",
    "counterpart/icon.svg",
    "messaging/rooms.css",
    "messaging/room.js",
    "messaging/pane.js",
    "messaging/times.js",
    "messaging/notify.js",
)


def shell_urls() -> list[str]:
    return [static(name) for name in SHELL]


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    urls = shell_urls()
    version = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
    return render(
        request,
        "installable/service-worker.js",
        {"shell": urls, "version": version, "static_url": settings.STATIC_URL},
        content_type="text/javascript; charset=utf-8",
    )
