"""The channel layers of channels_redis, with each failed call counted
(`counterpart_channel_layer_errors_total`, by layer and operation) and then raised as before.
network/settings.py names these classes as the layers' backends."""

from contextlib import contextmanager

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, _async_proxy

from network.operations import metrics


@contextmanager
def _counted(layer: str, operation: str):
    try:
        yield
    except Exception:
        metrics.channel_layer_error(layer, operation)
        raise


class CountedRedisChannelLayer(RedisChannelLayer):
    """The default layer (Redis lists and sorted sets)."""

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


class CountedRedisPubSubChannelLayer(RedisPubSubChannelLayer):
    """The room-events layer (Redis pub/sub). Its base class reaches these operations through
    `__getattr__`; defined here, they go through the same proxy to the loop's layer."""

    async def send(self, channel, message):
        with _counted("pubsub", "send"):
            return await _async_proxy(self, "send", channel, message)

    async def receive(self, channel):
        with _counted("pubsub", "receive"):
            return await _async_proxy(self, "receive", channel)

    async def group_add(self, group, channel):
        with _counted("pubsub", "group_add"):
            return await _async_proxy(self, "group_add", group, channel)

    async def group_discard(self, group, channel):
        with _counted("pubsub", "group_discard"):
            return await _async_proxy(self, "group_discard", group, channel)

    async def group_send(self, group, message):
        with _counted("pubsub", "group_send"):
            return await _async_proxy(self, "group_send", group, message)
