"""The send path of the WebSocket server: notices sent from the event loop."""

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from messaging import actions
from messaging.db import run_in_db
from messaging.models import Message, room_group_name

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_committed_write_is_announced_even_when_the_call_fails_afterwards(member, thread):
    """Notices of a database call are sent from the event loop after the call; a commit made
    before the call raised is still announced, with `{room, seq}` only."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(room_group_name(thread.room_id), channel)

    def post_then_fail():
        actions.post_message(
            room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body="hi"
        )
        raise LookupError("after the commit")

    with pytest.raises(LookupError):
        await run_in_db(post_then_fail)()
    notice = await layer.receive(channel)
    stored = await database_sync_to_async(Message.objects.get)()
    assert notice == {"type": "room.event", "room": str(thread.room_id), "seq": stored.seq}
