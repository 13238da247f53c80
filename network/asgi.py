import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from messaging.realtime.outage import DenyWhileDatabaseAway  # noqa: E402
from messaging.realtime.routing import websocket_urlpatterns  # noqa: E402
from network.operations.sockets import SocketObserver  # noqa: E402
from network.origin import ExactOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        # In production WhiteNoise serves the collected files (network/operations/static.py).
        "http": ASGIStaticFilesHandler(django_http)
        if settings.SERVE_STATIC and not settings.COMPRESSED_STATIC
        else django_http,
        # The exact configured origin, scheme and port included: AllowedHostsOriginValidator
        # would accept any scheme and port of an allowed host.
        # A handshake while the database is unreachable: HTTP 503, not a hang.
        "websocket": DenyWhileDatabaseAway(
            ExactOriginValidator(
                AuthMiddlewareStack(SocketObserver(URLRouter(websocket_urlpatterns))),
                settings.ALLOWED_ORIGINS,
            )
        ),
    }
)

# The garbage collector of a server process. What is loaded by now (Django, the apps, the
# server framework) lives as long as the process: frozen, full collections no longer walk it.
# A young generation of GC_YOUNG allocations instead of 700 lets the objects of the requests
# and frames in flight die young instead of being promoted to the old generations, so full
# collections come seldom: under load they took 80-180 ms every few seconds, and set the p99
# of delivery (docs/benchmarks.md).
GC_YOUNG, GC_MIDDLE, GC_OLD = 50_000, 20, 10
gc.freeze()
gc.set_threshold(GC_YOUNG, GC_MIDDLE, GC_OLD)
