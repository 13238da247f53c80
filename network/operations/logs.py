"""Structured logs: one JSON object per line.

Every line has `time` (UTC, ISO 8601, milliseconds), `level`, `logger` and `message`, and
what the context knows: `request_id` while an HTTP request is served, `socket_id` inside a
WebSocket's own task, `user_id` when known. Access lines add `method`, `route` (the URL
pattern, never the path: paths hold tokens and ids), `status` and `duration_ms`; socket lines
`close_code` and the frame counts.

What never enters a line: message bodies, names, e-mail addresses, query strings. The
project's own log calls pass none (they log kinds and exception classes); Django's request
logger names the path, which this formatter replaces with the URL pattern; an exception is
written as its class and its stack (file, line, function), without its message, which may
quote data (a database error quotes the row it refused).
"""

import asyncio
import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

from django.urls import Resolver404, resolve

REQUEST_ID: ContextVar[str | None] = ContextVar("counterpart_request_id", default=None)
# (the socket's task, socket id, user id): only that task's lines carry the socket id, not
# the tasks that inherit the context (a hub started by the socket's first subscription).
SOCKET: ContextVar[tuple | None] = ContextVar("counterpart_socket", default=None)

# Attributes of a record (passed with `extra=`) that enter the line.
FIELDS = (
    "user_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "close_code",
    "frames_in",
    "frames_out",
    "checks",
)


def route_of(path: str) -> str:
    """The URL pattern a path resolves to, e.g. "rooms/<uuid:room_id>/"."""
    try:
        return resolve(path).route or "/"
    except Resolver404:
        return "unmatched"


def _socket_context() -> tuple[str, int | None] | None:
    bound = SOCKET.get()
    if bound is None:
        return None
    task, socket_id, user_id = bound
    try:
        current = asyncio.current_task()
    except RuntimeError:  # a worker thread: it may do another socket's work
        return None
    return (socket_id, user_id) if current is task else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._message(record),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        socket = _socket_context()
        if socket is not None:
            line["socket_id"], line["user_id"] = socket
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, trace = record.exc_info
            line["error"] = f"{kind.__module__}.{kind.__qualname__}"
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and record.args:
            # django.request and django.security name the path: the URL pattern instead.
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            route = route_of(path)
            record.args = tuple(
                route
                if isinstance(arg, str) and path.encode("unicode_escape").decode() in arg
                else arg
                for arg in args
            )
        return record.getMessage()
