"""The Redis channel layer as Counterpart configures it (network/settings.py).

channels_redis builds its connection pools with redis-py's `ConnectionPool`, which fails
("Too many connections") instead of waiting when every connection is in use: when 2,000
sockets closed at once, most of their group leaves failed and left stale group entries for
the group expiry (25 h). This layer's pools wait for a free connection
(`BlockingConnectionPool`: at most `pool_size` connections, a caller waits up to `pool_wait`
seconds), for a Redis named by URL or found through Sentinel (network/redis_hosts.py).
"""

from channels_redis import core
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool


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
