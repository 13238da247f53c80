"""The Redis channel layer as Counterpart configures it (network/settings.py).

channels_redis builds its connection pools with redis-py's `ConnectionPool`, which fails
("Too many connections") instead of waiting when every connection is in use: when 2,000
sockets closed at once, most of their group leaves failed and left stale group entries for
the group expiry (25 h). This layer's pools wait for a free connection
(`BlockingConnectionPool`: at most `pool_size` connections, a caller waits up to `pool_wait`
seconds), for a Redis named by URL or found through Sentinel (network/redis_hosts.py).

Both layers count each failed call (`counterpart_channel_layer_errors_total`, by layer and
operation) and then raise it as before.
"""

from contextlib import contextmanager

from channels_redis import core, pubsub
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from network.operations import metrics


@contextmanager
def _counted(layer: str, operation: str):
    try:
        yield
    except Exception:
        metrics.channel_layer_error(layer, operation)
        raise


class SentinelBlockingConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """Connections to the primary the sentinels name, waiting when all are in use."""


def create_pool(host: dict, *, size: int, wait: float):
    host = dict(host)
    if "address" in host:
        address = host.pop("address")
        return BlockingConnectionPool.from_url(address, max_connections=size, timeout=wait, **host)
    if "master_name" in host:
        master = host.pop("master_name")
        sentinel = Sentinel(host.pop("sentinels"), sentinel_kwargs=host.pop("sentinel_kwargs"))
        return SentinelBlockingConnectionPool(
            master, sentinel, max_connections=size, timeout=wait, **host
        )
    return BlockingConnectionPool(max_connections=size, timeout=wait, **host)


class RedisChannelLayer(core.RedisChannelLayer):
    def __init__(self, *args, pool_size: int = 100, pool_wait: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_size, self.pool_wait = pool_size, pool_wait

    def create_pool(self, index):
        return create_pool(self.hosts[index], size=self.pool_size, wait=self.pool_wait)

    async def send(self, channel, message):
        with _counted("list", "send"):
            return await super().send(channel, message)

    async def receive(self, channel):
        with _counted("list", "receive"):
            return await super().receive(channel)

    async def group_add(self, group, channel):
        with _counted("list", "group_add"):
            return await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        with _counted("list", "group_discard"):
            return await super().group_discard(group, channel)

    async def group_send(self, group, message):
        with _counted("list", "group_send"):
            return await super().group_send(group, message)


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    """The room-events layer (Redis pub/sub). Its base class reaches these operations through
    `__getattr__`; defined here, they go through the same proxy to the loop's layer."""

    async def send(self, channel, message):
        with _counted("pubsub", "send"):
            return await pubsub._async_proxy(self, "send", channel, message)

    async def receive(self, channel):
        with _counted("pubsub", "receive"):
            return await pubsub._async_proxy(self, "receive", channel)

    async def group_add(self, group, channel):
        with _counted("pubsub", "group_add"):
            return await pubsub._async_proxy(self, "group_add", group, channel)

    async def group_discard(self, group, channel):
        with _counted("pubsub", "group_discard"):
            return await pubsub._async_proxy(self, "group_discard", group, channel)

    async def group_send(self, group, message):
        with _counted("pubsub", "group_send"):
            return await pubsub._async_proxy(self, "group_send", group, message)
