"""The refusals of messaging: a stable `code` from docs/protocol.md's error codes, a message
for people and, when one field is to blame, its name."""


class MessagingError(Exception):
    """A refused request: `code` is one of docs/protocol.md's error codes."""

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(field: str, message: str) -> MessagingError:
    return MessagingError("invalid_field", message, field=field)
