"""Pages and the API while PostgreSQL is unreachable: HTTP 503 with Retry-After, at once,
instead of a 500 after a long wait (the pool's wait is COUNTERPART_DB_POOL_TIMEOUT)."""

import logging
import sys

from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse

from messaging.realtime.outage import DATABASE_RETRY_AFTER, is_database_outage

logger = logging.getLogger(__name__)


def _note_outage(sender, request=None, **kwargs):
    """Django turns an exception into a 500 inside each middleware layer, so the middleware
    never sees it: the signal, sent while the exception is handled, marks the request."""
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_database_outage(exc):
        request.database_unavailable = True


class DatabaseUnavailableMiddleware:
    """Near the top of MIDDLEWARE: the session and authentication middleware below it read
    the database too."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_outage, dispatch_uid="counterpart-db-outage")

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Exception:  # the error page itself failed
            if getattr(request, "database_unavailable", False):
                return self._unavailable(request)
            raise
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return self._unavailable(request)
        return response

    def _unavailable(self, request):
        logger.warning("%s answered 503: the database is unreachable", request.path)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"code": "unavailable", "message": "the service is briefly unavailable"},
                status=503,
            )
        else:
            response = HttpResponse(
                "The service is briefly unavailable; try again in a moment.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = str(int(DATABASE_RETRY_AFTER))
        return response
