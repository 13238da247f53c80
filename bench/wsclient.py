"""A minimal WebSocket client protocol (RFC 6455) for the load client.

Only what the benchmark needs: the opening handshake with an Origin and a Cookie header,
masked text frames out, unmasked frames in (text, ping, close, continuation), no extensions.
It exists because a general-purpose client costs more CPU per received frame than the relay
it measures; here a received frame costs a header parse and one callback.
"""

import asyncio
import base64
import hashlib
import os
import random

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    pass


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A final, masked client frame."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    mask = random.getrandbits(32).to_bytes(4, "big")
    if n:
        keystream = (mask * (n // 4 + 1))[:n]
        payload = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(
            n, "big"
        )
    return header + mask + payload


class WebSocketClientProtocol(asyncio.Protocol):
    """Calls `on_text(payload: bytes, now_ns)` for each text message; `on_close(code)` once.

    `opened` resolves when the handshake succeeded (or fails with HandshakeError).
    """

    def __init__(self, *, host: str, path: str, origin: str, cookie: str, clock, on_text, on_close):
        self.host = host
        self.path = path
        self.origin = origin
        self.cookie = cookie
        self.clock = clock
        self.on_text = on_text
        self.on_close = on_close
        self.transport = None
        self.opened = asyncio.get_running_loop().create_future()
        self._key = base64.b64encode(os.urandom(16))
        self._buf = b""
        self._open = False
        self._fragments: list[bytes] | None = None
        self._closed = False

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key.decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.origin}",
        ]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes):
        now = self.clock()
        buf = self._buf + data if self._buf else data
        if not self._open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self._buf = buf
                return
            self._check_handshake(buf[:end])
            if not self._open:
                return
            buf = buf[end + 4 :]
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                start = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > size:
                break
            payload = buf[start:end]
            pos = end
            opcode = b0 & 0x0F
            if opcode == OP_TEXT and b0 & 0x80:
                self.on_text(payload, now)
            else:
                self._control(b0, opcode, payload, now)
        self._buf = buf[pos:]

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(f"connection lost: {exc}"))
        self._report_close(1006)

    # --- internals ----------------------------------------------------------------------

    def _check_handshake(self, head: bytes):
        status_line, _, rest = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or parts[1] != b"101":
            self.opened.set_exception(HandshakeError(status_line.decode("latin-1")))
            self.transport.close()
            return
        expected = base64.b64encode(hashlib.sha1(self._key + GUID).digest())  # noqa: S324
        headers = {}
        for line in rest.split(b"\r\n"):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"sec-websocket-accept") != expected:
            self.opened.set_exception(HandshakeError("bad Sec-WebSocket-Accept"))
            self.transport.close()
            return
        self._open = True
        self.opened.set_result(None)

    def _control(self, b0: int, opcode: int, payload: bytes, now: int):
        fin = b0 & 0x80
        if opcode == OP_PING:
            self.transport.write(encode_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.transport.is_closing():
                self.transport.write(encode_frame(OP_CLOSE, payload[:2]))
                self.transport.close()
            self._report_close(code)
        elif opcode == OP_TEXT:  # first fragment
            self._fragments = [payload]
        elif opcode == OP_CONT and self._fragments is not None:
            self._fragments.append(payload)
            if fin:
                message = b"".join(self._fragments)
                self._fragments = None
                self.on_text(message, now)
        # Binary frames and pongs are not part of the benchmark: ignored.

    def _report_close(self, code: int):
        if not self._closed:
            self._closed = True
            self.on_close(code)

    def send_text(self, payload: bytes):
        self.transport.write(encode_frame(OP_TEXT, payload))

    def close(self):
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()
