"""The rules every free text submitted to messaging and translations passes: a string,
encodable as UTF-8 (no lone surrogates from JSON escapes), no NUL, trimmed, bounded."""


class TextRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


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
