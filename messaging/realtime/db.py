"""Running ORM work from async code.

`database_sync_to_async` closes old connections around each call. By default it runs every
call of the process in one thread, one after the other: one slow query then holds up every
socket of the process. On PostgreSQL the calls run in the thread pool instead, side by side
(row locks keep each room's numbering in order). SQLite has one writer at a time, and its
shared-cache test databases refuse concurrent writers, so it keeps the single thread.

Django's connections live in context variables; outside the single thread the connection
opened by a call is only visible inside that call's context, so the call itself closes it
(with the connection pool of network/settings.py, closing returns it to the pool).

Channel-layer notices that a call's actions send after commit (messaging/realtime/broadcast.py) are
not sent from the database thread: they are collected during the call and sent from the
event loop once the call has returned, so no database thread waits on Redis.
"""

import functools

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

from messaging.realtime import broadcast


def _in_thread(func):
    parallel = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

    def call(*args, **kwargs):
        close_old_connections()
        try:
            with broadcast.collect_notices() as notices:
                try:
                    return func(*args, **kwargs), None, notices
                except Exception as exc:
                    return None, exc, notices
        finally:
            close_old_connections()

    return database_sync_to_async(call, thread_sensitive=not parallel)


def run_in_db(func):
    in_thread = _in_thread(func)

    @functools.wraps(func)
    async def run(*args, **kwargs):
        result, error, notices = await in_thread(*args, **kwargs)
        # Whatever committed before an error is still announced.
        await broadcast.send_notices(notices)
        if error is not None:
            raise error
        return result

    return run


def run_in_db_announcing_later(func):
    """`run_in_db`, but the call returns (outcome, announce): outcome is the result or the
    exception the function raised, and the notices wait until `await announce()`. The send
    queue answers its senders first, so that a sender's `ack` leaves before its message's
    `event` can (messaging/realtime/send_queue.py)."""
    in_thread = _in_thread(func)

    @functools.wraps(func)
    async def run(*args, **kwargs):
        result, error, notices = await in_thread(*args, **kwargs)

        async def announce() -> None:
            await broadcast.send_notices(notices)

        return (result if error is None else error), announce

    return run
