"""The frames the bare relays (ceiling_relay.py, daphne_relay.py) answer a `send` with: the
shapes of docs/protocol.md, encoded once."""

import json


def ack(frame: dict, room, seq: int, message: int) -> str:
    return json.dumps(
        {
            "type": "ack",
            "client_id": frame.get("client_id"),
            "room": room,
            "seq": seq,
            "message": message,
            "duplicate": False,
        }
    )


def event(frame: dict, room, seq: int, message: int, sender: int) -> str:
    return json.dumps(
        {
            "type": "event",
            "room": room,
            "seq": seq,
            "kind": "message.posted",
            "data": {
                "id": message,
                "seq": seq,
                "thread": frame.get("thread"),
                "sender": sender,
                "body": frame.get("body", ""),
                "handling": frame.get("handling", "H0"),
            },
        }
    )
