"""Benchmark variant of network.settings: a Redis read timeout longer than the layer's wait.

redis-py 8 reads with a 5 s socket timeout by default, and channels_redis waits for channel
messages with BZPOPMIN for 5 s: on a quiet layer the reply races the timeout, the receive
raises `redis.exceptions.TimeoutError`, and the consumer that was reading dies (Daphne closes
its socket with 1011). `bench/fanout.py --settings settings_redis_timeout` measures the server
with the read timeout above the wait.
"""

from network.settings import *  # noqa: F403
from network.settings import CHANNEL_LAYERS, REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "socket_timeout": 15}]
