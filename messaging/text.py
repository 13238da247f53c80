"""The rules every free text submitted to messaging and translations passes: a string,
encodable as UTF-8 (no lone surrogates from JSON escapes), no NUL, trimmed, bounded."""

from network.errors import DomainError


class TextRefused(DomainError):
    """Text that breaks these rules; the caller names the field."""


def clean_text(value, field: str, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TextRefused("invalid_field", f"{field} must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TextRefused("invalid_field", f"{field} is not valid UTF-8 text") from exc
    if "\x00" in value:
        raise TextRefused("invalid_field", f"{field} contains a NUL character")
    value = value.strip()
    if required and not value:
        raise TextRefused("missing_field", f"{field} is required")
    if len(value) > max_length:
        raise TextRefused("invalid_field", f"{field} is longer than {max_length} characters")
    return value
