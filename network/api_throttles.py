"""Request rates of the API (docs/api.md, "Throttling").

Every request counts against its member (or, signed out, its address) and against its
client address; a few operations also count against a stricter scope of their own, per
member: directory search, message posts, token creation and translation requests. The rates
are settings (`COUNTERPART_THROTTLE_RATES`, from the environment); the history lives in the
`throttle` cache, shared by every server process when Redis is configured. Past a rate the
API answers 429 `throttled` with `Retry-After`.

The client address is REMOTE_ADDR only, as for sign-in lockouts: a client-sent
X-Forwarded-For never counts (Daphne's --proxy-headers sets REMOTE_ADDR behind nginx).
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework import exceptions, throttling

from network.accounts.session_index import client_ip

logger = logging.getLogger(__name__)


class _Throttle(throttling.SimpleRateThrottle):
    """Rates read at each request from settings, history in the `throttle` cache."""

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self):
        if self.scope == OperationRateThrottle.scope:
            return None  # the operation's own scope is chosen per request
        try:
            return settings.COUNTERPART_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"no rate for the throttle scope {self.scope!r}") from exc

    def allow_request(self, request, view):
        # While Redis is unreachable the API keeps answering (the sockets do too, and the
        # database is the source of truth); the rates are not counted meanwhile.
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("request rates not counted: %s", type(exc).__name__)
            return True

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def _take_scope(self, scope: str) -> None:
        """Count this request under `scope`, at that scope's rate."""
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def _member_or_address_key(self, request) -> str:
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class MemberRateThrottle(_Throttle):
    """Per member when signed in (scope `user`), per address otherwise (scope `anon`)."""

    scope = "user"

    def allow_request(self, request, view):
        self._take_scope("user" if request.user and request.user.is_authenticated else "anon")
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self._member_or_address_key(request)


class AddressRateThrottle(_Throttle):
    """Per client address, whoever is signed in from it (scope `address`)."""

    scope = "address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class OperationRateThrottle(_Throttle):
    """The stricter rate of an operation that declares `throttle_scope` (see `scoped`)."""

    scope = "operation"

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope or request.method not in getattr(view, "throttle_scope_methods", ()):
            return True
        self._take_scope(scope)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self._member_or_address_key(request)


class SignedOutRateThrottle(_Throttle):
    """Per client address, for credentials that fail (scope `anon`, the signed-out rate):
    DRF checks rates only after authentication, so a guessed token would not count."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def count_failed_credentials(request) -> None:
    """Count a failed authentication against its address; Throttled once past the rate."""
    throttle = SignedOutRateThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(throttle.wait())


def scoped(scope: str, *methods: str):
    """Give an @api_view function (or an APIView class) the stricter rate `scope` for
    `methods`. Put it above @api_view."""

    def decorate(view):
        target = getattr(view, "cls", view)
        target.throttle_scope = scope
        target.throttle_scope_methods = tuple(methods)
        return view

    return decorate
