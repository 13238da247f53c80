"""Helpers for the sign-in tests: accounts with generated passwords, TOTP enrolment and a
software WebAuthn authenticator (EC P-256, 'none' attestation) built with `cryptography`."""

import hashlib
import json
import os
import secrets
import struct
import time

import cbor2
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from network.accounts import twofactor


def new_password() -> str:
    return "pw " + secrets.token_urlsafe(18)


def give_password(user) -> str:
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def enrol_totp(user) -> bytes:
    return enrol_totp_with_codes(user)[0]


def enrol_totp_with_codes(user) -> tuple[bytes, list[str]]:
    """Enrol an authenticator app for `user` as the enrolment page does; returns the seed
    and the recovery codes. Enrolment is confirmed with the previous step's code, so the
    current code is still unused for the test's sign-in (each code is accepted once). The
    clock stands still meanwhile: a 30-second step that ended between computing the code and
    checking it would otherwise make the previous step's code too old."""
    device = twofactor.start_enrolment(user)
    seed = twofactor.device_seed(device)
    with time_machine.travel(time.time(), tick=False):
        codes = twofactor.confirm_enrolment(user=user, code=totp_code(seed, -1))
    return seed, codes


def totp_code(seed: bytes, offset: int = 0) -> str:
    return twofactor.code_at(seed, twofactor.current_step() + offset)


def sign_in_password(client: Client, email: str, password: str, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password}, **extra)


def password_only_client(user, password: str) -> Client:
    client = Client()
    response = sign_in_password(client, user.email, password)
    assert response.status_code == 302, response.content
    return client


def session_cookie(client: Client) -> str:
    return client.cookies["sessionid"].value


class SoftAuthenticator:
    """A platform authenticator in software: one credential, ES256, counter, UV on demand."""

    def __init__(self, *, rp_id: str, origin: str):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def _flags(self, *, uv: bool, attested: bool) -> int:
        return 0x01 | (0x04 if uv else 0) | (0x40 if attested else 0)

    def register(self, options: dict, *, uv: bool = True, origin: str | None = None) -> dict:
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        ) + self._cose_key()
        auth_data = (
            rp_hash
            + bytes([self._flags(uv=uv, attested=True)])
            + struct.pack(">I", self.sign_count)
            + attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cred_id = bytes_to_base64url(self.credential_id)
        return {
            "id": cred_id,
            "rawId": cred_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
        }

    def assert_(
        self, options: dict, *, uv: bool = True, origin: str | None = None, challenge=None
    ) -> dict:
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([self._flags(uv=uv, attested=False)])
            + struct.pack(">I", self.sign_count)
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        cred_id = bytes_to_base64url(self.credential_id)
        return {
            "id": cred_id,
            "rawId": cred_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            },
        }


def challenge_of(options: dict) -> bytes:
    return base64url_to_bytes(options["challenge"])
