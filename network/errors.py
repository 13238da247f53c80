"""The one error model of every surface.

An action, a getter or a validator that refuses raises a `DomainError` (or a subclass named
after its capability): a stable `code`, a `message` for people (already translated where the
raiser uses gettext) and, when one input is to blame, the `field`. The HTTP status follows
from the code, here and nowhere else: the API answers it (network/api_errors.py), pages render
it with that status, the WebSocket sends the code in an `error` frame (docs/protocol.md).
docs/api.md lists every code with its status.
"""

from http import HTTPStatus

# Every code a refusal may carry, with the HTTP status the API answers it with.
STATUS_BY_CODE: dict[str, int] = {
    # Bad input: the request is refused as sent (400).
    "bad_json": 400,
    "missing_field": 400,
    "invalid_field": 400,
    "expiry_in_past": 400,
    "unknown_field": 400,
    "field_required": 400,
    "field_too_long": 400,
    "reason_required": 400,
    "statement_required": 400,
    "invalid_role": 400,
    "invalid_filter": 400,
    "invalid_network": 400,
    "invalid_email": 400,
    "invalid_account": 400,
    "note_too_long": 400,
    "unsupported_language": 400,
    "same_language": 400,
    "source_language_undetected": 400,
    "due_in_past": 400,
    "token_refused": 400,
    "second_factor_refused": 400,
    "ceremony_failed": 400,
    "invalid_rows": 400,
    "empty_selection": 400,
    "invalid_approver": 400,
    "period_end_before_start": 400,
    "declaration_required": 400,
    "unknown_seat": 400,
    "letter_required": 400,
    "letter_type": 400,
    "not_by_designation": 400,
    # Who you are (401) and what you may do (403).
    "not_authenticated": 401,
    "authentication_failed": 401,
    "permission_denied": 403,
    "forbidden": 403,
    "not_coordinator": 403,
    "not_active_member": 403,
    "seat_not_entitled": 403,
    "not_allowed": 403,
    "self_endorsement": 403,
    "own_membership": 403,
    "endorser_cannot_approve": 403,
    "account_inactive": 403,
    "readmission_required": 403,
    "webauthn_required": 403,
    "not_translator": 403,
    "not_eligible": 403,
    "no_language_pair": 403,
    "certification_required": 403,
    "not_provider": 403,
    "provider_permission_required": 403,
    "permission_refused": 403,
    "directory_members_only": 403,
    "capacity_not_allowed": 403,
    "capacity_limited": 403,
    "guests_not_allowed": 403,
    "own_proposal": 403,
    # Nothing there, or nothing you may see (404; unknown and forbidden look the same).
    "not_found": 404,
    "unknown_room": 404,
    "unknown_request": 404,
    "unknown_item": 404,
    "unknown_pair": 404,
    "unknown_action": 404,
    "unknown_notification": 404,
    "unknown_thread": 404,
    "unknown_tag": 404,
    "unknown_export": 404,
    "unknown_proposal": 404,
    "unknown_permission": 404,
    "unknown_introduction": 404,
    "unknown_guest": 404,
    # The HTTP exchange itself.
    "method_not_allowed": 405,
    "not_acceptable": 406,
    # Not possible in the current state (409), or no longer possible (410).
    "already_endorsed": 409,
    "not_certified": 409,
    "no_evidence": 409,
    "not_verified": 409,
    "already_member": 409,
    "endorsements_missing": 409,
    "wrong_status": 409,
    "same_role": 409,
    "signed_in": 409,
    "account_exists": 409,
    "not_pending": 409,
    "client_id_conflict": 409,
    "invalid_transition": 409,
    "already_claimed": 409,
    "approval_required": 409,
    "export_running": 409,
    "room_closed": 409,
    "superseded_version": 409,
    "already_answered": 409,
    "not_agreed": 409,
    "already_signed": 409,
    "already_evaluated": 409,
    "nothing_changed": 409,
    "nothing_to_translate": 409,
    "permission_pending": 409,
    "permission_not_needed": 409,
    "already_visible": 409,
    "already_pending": 409,
    "own_entry": 409,
    "no_broker": 409,
    "not_open": 409,
    "expired": 410,
    "accepted": 410,
    "revoked": 410,
    "reset_link_invalid": 410,
    # Too large, wrong kind of content, too many requests.
    "request_too_large": 413,
    "body_too_large": 413,
    "file_too_large": 413,
    "unsupported_media_type": 415,
    "unsupported_file_type": 415,
    "rate_limited": 429,
    "throttled": 429,
    # WebSocket frames only (docs/protocol.md).
    "unknown_type": 400,
    "binary_refused": 400,
    "not_subscribed": 409,
    "frame_too_large": 413,
    # The server's side.
    "server_error": 500,
    "service_unavailable": 503,
}


class DomainError(Exception):
    """A refusal: `code` (a key of STATUS_BY_CODE), `message` for people, optional `field`."""

    def __init__(
        self, code: str, message: str, *, field: str | None = None, details: dict | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.details = details

    @property
    def http_status(self) -> int:
        return status_for(self.code)

    def as_body(self) -> dict:
        return error_body(self.code, self.message, field=self.field, details=self.details)


def status_for(code: str) -> int:
    """The HTTP status of `code`; a code missing from the table is a bad request."""
    return STATUS_BY_CODE.get(code, HTTPStatus.BAD_REQUEST)


def error_body(
    code: str,
    message: str,
    *,
    field: str | None = None,
    fields: dict | None = None,
    details: dict | None = None,
) -> dict:
    """The one JSON shape of every error the API answers (docs/api.md)."""
    error: dict = {"code": code, "message": _printable(message)}
    if field:
        error["field"] = _printable(field)
    if fields:
        error["fields"] = {_printable(name): _printable(text) for name, text in fields.items()}
    if details:
        error["details"] = details
    return {"error": error}


def _printable(text) -> str:
    """`text` as valid Unicode: a refused input echoed in a message may hold a lone surrogate."""
    if isinstance(text, (list, tuple)):
        text = " ".join(str(item) for item in text)
    return str(text).encode("utf-8", "replace").decode("utf-8")
