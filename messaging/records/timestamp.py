"""Trusted time for case records (RFC 3161): when COUNTERPART_TSA_URL names a time-stamping
authority, the checkpoint taken at export is time-stamped by it, and the authority's answer
(a DER TimeStampResp) goes into the bundle as `log/timestamp.tsr`. It proves that the log
existed, with that root, no later than the authority's time; anyone checks it with
`openssl ts -verify -data log/checkpoint.txt -in log/timestamp.tsr -CAfile <the TSA's CA>`.
Off unless the setting is set."""

import hashlib
import secrets
import urllib.request

from django.conf import settings

TIMEOUT = 30
# AlgorithmIdentifier of SHA-256 (2.16.840.1.101.3.4.2.1) with NULL parameters.
SHA256_ALGORITHM = bytes.fromhex("300d060960864801650304020105 00".replace(" ", ""))


class TimestampError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def tsa_url() -> str:
    return getattr(settings, "COUNTERPART_TSA_URL", "") or ""


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def request_for(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq: version 1, the SHA-256 imprint, a nonce, the signer's certificate
    asked for."""
    imprint = _tlv(0x30, SHA256_ALGORITHM + _tlv(0x04, digest))
    return _tlv(0x30, _integer(1) + imprint + _integer(nonce) + b"\x01\x01\xff")


def _read(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `at`."""
    if at + 2 > len(data):
        raise TimestampError("the answer is cut short")
    tag, first = data[at], data[at + 1]
    at += 2
    if first & 0x80:
        count = first & 0x7F
        size = int.from_bytes(data[at : at + count], "big")
        at += count
    else:
        size = first
    if at + size > len(data):
        raise TimestampError("the answer is cut short")
    return tag, at, at + size


def check_response(answer: bytes, digest: bytes) -> None:
    """The authority granted a token, and the token stamps `digest`."""
    tag, start, _end = _read(answer, 0)
    if tag != 0x30:
        raise TimestampError("the answer is not a TimeStampResp")
    tag, status_start, _status_end = _read(answer, start)
    tag, value_start, value_end = _read(answer, status_start)
    if tag != 0x02 or int.from_bytes(answer[value_start:value_end], "big") not in (0, 1):
        raise TimestampError("the time-stamping authority refused the request")
    if _tlv(0x04, digest) not in answer:
        raise TimestampError("the token does not stamp the checkpoint")


def stamp(data: bytes) -> bytes | None:
    """The authority's TimeStampResp for `data`, or None when no authority is set."""
    url = tsa_url()
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise TimestampError("COUNTERPART_TSA_URL must be an http:// or https:// URL")
    digest = hashlib.sha256(data).digest()
    body = request_for(digest, secrets.randbits(63))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, headers={"Content-Type": "application/timestamp-query"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = response.read()
    except OSError as exc:
        raise TimestampError(f"the time-stamping authority is out of reach ({exc})") from exc
    check_response(answer, digest)
    return answer
