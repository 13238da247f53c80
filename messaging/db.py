"""Running ORM work from async code.

`database_sync_to_async` closes old connections around each call. By default it runs every
call of the process in one thread, one after the other: one slow query then holds up every
socket of the process. On PostgreSQL the calls run in the thread pool instead, side by side
(row locks keep each room's numbering in order). SQLite has one writer at a time, and its
shared-cache test databases refuse concurrent writers, so it keeps the single thread.

Django's connections live in context variables; outside the single thread the connection
opened by a call is only visible inside that call's context, so the call itself closes it.
"""

import functools

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections


def run_in_db(func):
    parallel = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

    @functools.wraps(func)
    def call(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(call, thread_sensitive=not parallel)
