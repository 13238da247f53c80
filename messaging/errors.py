"""The refusals of messaging: a stable `code` from docs/protocol.md's error codes, a message
for people and, when one field is to blame, its name. The HTTP status follows from the code
(network/errors.py)."""

from network.errors import DomainError


class MessagingError(DomainError):
    """A refused request: `code` is one of docs/protocol.md's error codes."""


def invalid(field: str, message: str) -> MessagingError:
    return MessagingError("invalid_field", message, field=field)
