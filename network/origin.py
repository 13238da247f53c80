"""The WebSocket handshake's Origin check: exactly one Origin header, equal to a configured
origin (scheme, host and port). Channels' OriginValidator matches patterns (a missing port
matches any port, a leading dot any subdomain) and raises on a malformed port; this check
compares strings and refuses anything else."""

from channels.security.websocket import WebsocketDenier
from django.conf import settings


def site_origin() -> str:
    """The origin links in emails and printed addresses point at: the configured one
    (COUNTERPART_ORIGIN, which `make run` sets to the address it serves), never a request's
    Host header."""
    return settings.ALLOWED_ORIGINS[0]


class ExactOriginValidator:
    def __init__(self, application, allowed_origins):
        self.application = application
        self.allowed_origins = frozenset(allowed_origins)

    async def __call__(self, scope, receive, send):
        if self.is_allowed(scope.get("headers", [])):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    def is_allowed(self, headers) -> bool:
        origins = [value for name, value in headers if name.lower() == b"origin"]
        if len(origins) != 1:
            return False
        try:
            origin = origins[0].decode("ascii")
        except UnicodeDecodeError:
            return False
        return origin in self.allowed_origins
