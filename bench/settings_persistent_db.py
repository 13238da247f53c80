"""Benchmark variant of network.settings: persistent database connections.

Only for measuring what the connection set-up costs the real-time path
(`bench/fanout.py --settings settings_persistent_db`). Channels runs every
`database_sync_to_async` call of a process in one thread, so a process keeps one connection.
A production change would rather use Django's psycopg connection pool
(`DATABASES["default"]["OPTIONS"]["pool"]`), which is safe under ASGI.
"""

from network.settings import *  # noqa: F403
from network.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 600
