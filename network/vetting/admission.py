"""Admission paths per network: the one rule of what an application needs before a
coordinator may admit it, used by the actions (and so by the pages, the API and the
decision table).

- sponsorship (the default): the network's required endorsements by active members.
- declaration: the applicant declares their trafficking expertise (bounded text); a
  coordinator confirms it by admitting.
- designation: the applicant gives a seat (one of the network's member states and a seat
  role) and uploads the state's designation letter (PDF or image), sealed with the key ring;
  the admitting coordinator checks the letter (recorded on the membership). A network has
  `seats_per_state` seats per state and role; a designation admitted for a full seat replaces
  the holder designated longest ago (`network.signals.seat_replaced`).
"""

import base64
import binascii

from django.utils.translation import gettext as _

from network.keyring import seal, unseal
from network.models import AdmissionPath, Membership, Network, SeatRole

MAX_DECLARATION_LENGTH = 2000
MAX_LETTER_BYTES = 5 * 1024 * 1024
# Content types accepted for a designation letter, with the leading bytes that prove them.
LETTER_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
LETTER_PURPOSE = "designation-letter"


def _error(code: str, message: str, field: str = ""):
    from network.vetting.actions import VettingError

    return VettingError(code, message, field=field or None)


def application_fields(
    network: Network,
    *,
    user,
    declaration: str = "",
    seat_state: str = "",
    seat_role: str = "",
    letter: bytes | None = None,
    letter_content_type: str = "",
) -> dict:
    """Validate what the network's path asks of an application; return the fields to store
    (the letter is sealed later, once the membership's id is known)."""
    path = network.admission
    if path != AdmissionPath.DESIGNATION and (seat_state or seat_role or letter):
        raise _error(
            "not_by_designation",
            _("%(network)s does not admit by designation: it takes no seat or letter.")
            % {"network": network},
            "designation_letter" if letter else "seat",
        )
    if path == AdmissionPath.DECLARATION:
        declaration = (declaration or "").strip()
        if not declaration:
            raise _error(
                "declaration_required",
                _("Declare your expertise in trafficking in persons."),
                "declaration",
            )
        if len(declaration) > MAX_DECLARATION_LENGTH:
            raise _error(
                "invalid_field",
                _("The declaration is longer than %(max)d characters.")
                % {"max": MAX_DECLARATION_LENGTH},
                "declaration",
            )
        return {"declaration": declaration}
    if path == AdmissionPath.DESIGNATION:
        if seat_state not in network.member_states or seat_role not in SeatRole.values:
            raise _error(
                "unknown_seat",
                _("Choose a seat: one of the network's member states and one of: %(roles)s.")
                % {"roles": ", ".join(SeatRole.values)},
                "seat",
            )
        if user.state != seat_state:
            raise _error(
                "seat_not_entitled",
                _("Only a person of %(state)s may be designated to its seat.")
                % {"state": seat_state},
                "seat",
            )
        if not letter:
            raise _error(
                "letter_required", _("Upload the designation letter."), "designation_letter"
            )
        check_letter(letter, letter_content_type)
        return {
            "seat_state": seat_state,
            "seat_role": seat_role,
            "letter_content_type": letter_content_type,
        }
    return {}


def decode_letter(encoded: str) -> bytes | None:
    """The API's base64 letter in bytes (None when not given)."""
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _error(
            "letter_type", _("The designation letter is not valid base64."), "designation_letter"
        ) from error


def read_letter(upload) -> tuple[bytes | None, str]:
    """An uploaded letter (the page's form, the API's multipart body) and its declared type.
    It is read no further than one byte past the limit, which `check_letter` refuses."""
    if upload is None:
        return None, ""
    return upload.read(MAX_LETTER_BYTES + 1), upload.content_type or ""


def letter_filename(membership: Membership) -> str:
    extension = {"application/pdf": "pdf", "image/png": "png"}.get(
        membership.letter_content_type, "jpg"
    )
    return f"designation-letter-{membership.pk}.{extension}"


def check_letter(letter: bytes, content_type: str) -> None:
    """A designation letter is a PDF, PNG or JPEG (type declared and content agreeing)."""
    magic = LETTER_TYPES.get(content_type)
    if magic is None or not letter.startswith(magic):
        raise _error(
            "letter_type",
            _("The designation letter must be a PDF or an image (PNG or JPEG)."),
            "designation_letter",
        )
    if len(letter) > MAX_LETTER_BYTES:
        raise _error(
            "letter_type",
            _("The designation letter is larger than 5 MB."),
            "designation_letter",
        )


def _aad(membership: Membership) -> bytes:
    return f"membership:{membership.pk}:{membership.application_round}".encode()


def seal_letter(membership: Membership, letter: bytes) -> bytes:
    return seal(letter, purpose=LETTER_PURPOSE, aad=_aad(membership))


def open_letter(membership: Membership) -> bytes:
    """The letter in clear, for the coordinators' view (access checked by the caller)."""
    return unseal(bytes(membership.letter_sealed), purpose=LETTER_PURPOSE, aad=_aad(membership))


def ready_for_decision(network: Network) -> bool:
    """An application needs no endorsements: it waits for a coordinator at once."""
    return network.admission != AdmissionPath.SPONSORSHIP or network.required_endorsements == 0


def endorsements_needed(network: Network) -> int:
    """Endorsements an application needs before a decision (sponsorship only)."""
    if network.admission != AdmissionPath.SPONSORSHIP:
        return 0
    return network.required_endorsements


def require_admissible(membership: Membership) -> None:
    """Refuse admitting an application that lacks what its network's path asks."""
    path = membership.network.admission
    if path == AdmissionPath.DECLARATION and not membership.declaration:
        raise _error("declaration_required", _("This application declares no expertise."))
    if path == AdmissionPath.DESIGNATION and (
        not membership.seat_role or not bytes(membership.letter_sealed)
    ):
        raise _error("letter_required", _("This application has no seat or designation letter."))


def seat_holders(membership: Membership):
    """The active holders of the applicant's seat, designated longest ago first."""
    return (
        Membership.objects.active()
        .filter(
            network=membership.network,
            seat_state=membership.seat_state,
            seat_role=membership.seat_role,
        )
        .exclude(pk=membership.pk)
        .order_by("activated_at", "pk")
    )


def letter_for_coordinator(membership: Membership, coordinator) -> tuple[bytes, str]:
    """The designation letter and its type, for a coordinator (access checked by the
    caller's getter); each reading is in the audit log. No letter: `unknown_item` (404)."""
    from network.audit.log import record

    if not bytes(membership.letter_sealed):
        raise _error("unknown_item", _("This application has no designation letter."))
    letter = open_letter(membership)
    record("membership.letter_read", actor=coordinator, target=membership, details={})
    return letter, membership.letter_content_type
