"""Sealing a proposal's texts under its room's data key (messaging/crypto.py).

The associated data binds each ciphertext to its record and field (`jit-version:<id>`,
`jit-comment:<id>`, ...) with the proposal's id as the fixed party: a ciphertext moved to
another record, proposal or room fails to open.
"""

import json

from messaging import crypto


def seal(proposal, *, epoch: int, record: str, field: str, value) -> bytes:
    return crypto.encrypt(
        json.dumps(value).encode(),
        room_id=proposal.room_id,
        epoch=epoch,
        record_id=record,
        sender_id=str(proposal.pk),
        field=field,
    )


def open_sealed(proposal, ciphertext, *, epoch: int, record: str, field: str):
    if ciphertext is None:
        return None
    plain = crypto.decrypt(
        bytes(ciphertext),
        room_id=proposal.room_id,
        epoch=epoch,
        record_id=record,
        sender_id=str(proposal.pk),
        field=field,
    )
    return json.loads(plain)
