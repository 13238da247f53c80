"""Where Redis is, for the channel layers and the cache (network/settings.py).

`REDIS_URL` names Redis (its database, password and `rediss://` for TLS). With
`COUNTERPART_REDIS_SENTINELS` (`host:port,host:port,...`) and
`COUNTERPART_REDIS_SENTINEL_MASTER` (the master's name in the sentinels' configuration), the
host and port of `REDIS_URL` are ignored: every connection asks the sentinels for the current
primary, so that a failover moves the layers and the cache to the new primary by themselves
(messaging/realtime/outage.py rides out the seconds in between).
"""

from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def sentinels(entries: list[str]) -> list[tuple[str, int]]:
    """`host:port` entries (COUNTERPART_REDIS_SENTINELS) as (host, port)."""
    found = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(
                f"COUNTERPART_REDIS_SENTINELS: {entry!r} is not host:port (a list, by commas)"
            )
        found.append((host.strip("[]"), int(port)))
    return found


def _url_options(redis_url: str) -> dict:
    """What a Sentinel-managed connection keeps of REDIS_URL: database, password, TLS."""
    parts = urlsplit(redis_url)
    options = {"db": int(parts.path.lstrip("/") or 0)}
    if parts.password:
        options["password"] = unquote(parts.password)
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.scheme == "rediss":
        options["ssl"] = True
    return options


def layer_host(redis_url: str, master: str, found: list, **connection) -> dict:
    """One `hosts` entry of channels_redis: by URL, or through the sentinels."""
    if not found:
        return {"address": redis_url, **connection}
    if not master:
        raise ImproperlyConfigured(
            "COUNTERPART_REDIS_SENTINEL_MASTER is required with COUNTERPART_REDIS_SENTINELS"
        )
    sentinel_options = {"socket_timeout": 2, "socket_connect_timeout": 2}
    return {
        "sentinels": found,
        "master_name": master,
        "sentinel_kwargs": sentinel_options,
        **_url_options(redis_url),
        **connection,
    }


def cache_options(redis_url: str, master: str, found: list, **connection) -> dict:
    """OPTIONS of Django's RedisCache: through the sentinels when there are any."""
    if not found:
        return connection
    from redis.sentinel import Sentinel

    url = _url_options(redis_url)
    url.pop("db")  # the cache's LOCATION keeps it
    return {
        "pool_class": "redis.sentinel.SentinelConnectionPool",
        "service_name": master,
        "sentinel_manager": Sentinel(
            found, sentinel_kwargs={"socket_timeout": 2, "socket_connect_timeout": 2}
        ),
        **url,
        **connection,
    }
