"""The handshake matrix of cross-site WebSocket hijacking: only the exact configured origin."""

import pytest
from channels.testing import WebsocketCommunicator

from network.asgi import application

ALLOWED = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(headers) -> bool:
    communicator = WebsocketCommunicator(application, "/ws/v1/", headers=headers)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    else:
        await communicator.wait()
    return connected


@pytest.mark.parametrize(
    "origins",
    [
        [],
        [b"null"],
        [b"https://evil.example"],
        [b"https://127.0.0.1:8000"],
        [b"http://127.0.0.1:8001"],
        [b"http://127.0.0.1"],
        [b"http://127.0.0.1:8000.evil.example"],
        [b"http://127.0.0.1:8000@evil.example"],
        [b"HTTP://127.0.0.1:8000"],
        [b"http://127.0.0.1.:8000"],
        [b"http://127.0.0.1:8000/"],
        [b"http://127.0.0.1:8000", b"https://evil.example"],
        [b"https://evil.example", b"http://127.0.0.1:8000"],
        [b"http://127.0.0.1:8000\xff"],
    ],
    ids=lambda origins: "|".join(o.decode("latin1") for o in origins) or "absent",
)
async def test_a_foreign_or_malformed_origin_is_refused(origins, member, client_for):
    """Refused before authentication: even a valid session cookie does not help."""
    from channels.db import database_sync_to_async

    client = await database_sync_to_async(client_for)(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", origin) for origin in origins] + [(b"cookie", cookie)]

    assert await handshake(headers) is False


async def test_the_configured_origin_with_a_session_is_accepted(member, client_for):
    from channels.db import database_sync_to_async

    client = await database_sync_to_async(client_for)(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    assert await handshake([(b"origin", ALLOWED.encode()), (b"cookie", cookie)]) is True
