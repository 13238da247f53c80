"""WebAuthn security keys and passkeys (py_webauthn).

Both ceremonies require user verification (PIN or biometric on the authenticator) and check
the UV flag. The challenge lives in the server-side session, is bound to its ceremony, is
used once (taken out before the response is checked) and expires after CHALLENGE_TTL.
Origin and RP id come from settings: `ALLOWED_ORIGINS` and `WEBAUTHN_RP_ID` (by default the
host of the first allowed origin).
"""

import json
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from network.accounts.models import User, WebAuthnCredential
from network.accounts.notifications import notify_sign_in_change
from network.audit.log import record
from network.errors import DomainError

CHALLENGE_TTL = 300  # seconds
TIMEOUT_MS = CHALLENGE_TTL * 1000
SESSION_KEY = "cp_webauthn_challenge"
MAX_NAME_LENGTH = 80


class CeremonyError(DomainError):
    """The ceremony failed; the message is safe to show."""

    def __init__(self, message: str):
        super().__init__("ceremony_failed", message)


def rp_id() -> str:
    return settings.WEBAUTHN_RP_ID or urlsplit(settings.ALLOWED_ORIGINS[0]).hostname


def _store_challenge(session, ceremony: str, challenge: bytes) -> None:
    session[SESSION_KEY] = {
        "ceremony": ceremony,
        "challenge": bytes_to_base64url(challenge),
        "issued_at": time.time(),
    }


def _take_challenge(session, ceremony: str) -> bytes:
    """Remove the stored challenge (single use) and return it if it is fresh."""
    stored = session.pop(SESSION_KEY, None)
    if not stored or stored.get("ceremony") != ceremony:
        raise CeremonyError(_("No security-key request is pending; start again."))
    if time.time() - stored["issued_at"] > CHALLENGE_TTL:
        raise CeremonyError(_("The security-key request expired; start again."))
    return base64url_to_bytes(stored["challenge"])


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=bytes(credential.credential_id))
        for credential in WebAuthnCredential.objects.filter(user=user)
    ]


def registration_options(session, user: User) -> dict:
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_name=user.email,
        user_id=f"cp-user-{user.pk}".encode(),
        user_display_name=user.display_name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _store_challenge(session, "registration", options.challenge)
    return json.loads(options_to_json(options))


def register(
    session, *, user: User, name: str, credential, ip_address: str | None = None
) -> WebAuthnCredential:
    name = (name or "").strip()
    challenge = _take_challenge(session, "registration")
    if not name:
        raise CeremonyError(_("Give the security key a name."))
    if len(name) > MAX_NAME_LENGTH:
        raise CeremonyError(
            _("The name is longer than %(max)d characters.") % {"max": MAX_NAME_LENGTH}
        )
    if not isinstance(credential, dict | str):
        raise CeremonyError(_("The credential is missing or malformed."))
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=settings.ALLOWED_ORIGINS,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise CeremonyError(
            _("The security key could not be registered: %(reason)s") % {"reason": exc}
        ) from exc
    transports = (
        credential.get("response", {}).get("transports", []) if isinstance(credential, dict) else []
    )
    with transaction.atomic():
        if WebAuthnCredential.objects.filter(credential_id=verified.credential_id).exists():
            raise CeremonyError(_("This security key is already registered."))
        stored = WebAuthnCredential.objects.create(
            user=user,
            name=name,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[t for t in transports if isinstance(t, str)][:8],
            device_type=str(getattr(verified.credential_device_type, "value", "")),
            backed_up=bool(verified.credential_backed_up),
        )
        record(
            "two_factor.enrolled",
            actor=user,
            target=user,
            ip_address=ip_address,
            details={"method": "webauthn", "credential": stored.pk, "name": name},
        )
        notify_sign_in_change(user, "webauthn_enrolled")
    return stored


def authentication_options(session, user: User) -> dict:
    descriptors = _descriptors(user)
    if not descriptors:
        raise CeremonyError(_("This account has no security key."))
    options = generate_authentication_options(
        rp_id=rp_id(),
        timeout=TIMEOUT_MS,
        allow_credentials=descriptors,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _store_challenge(session, "authentication", options.challenge)
    return json.loads(options_to_json(options))


def authenticate(session, *, user: User, credential) -> WebAuthnCredential:
    """Check an assertion from one of `user`'s credentials; updates its signature counter."""
    challenge = _take_challenge(session, "authentication")
    if not isinstance(credential, dict | str):
        raise CeremonyError(_("The credential is missing or malformed."))
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise CeremonyError(_("The credential is malformed: %(reason)s") % {"reason": exc}) from exc
    with transaction.atomic():
        stored = (
            WebAuthnCredential.objects.select_for_update()
            .filter(user=user, credential_id=parsed.raw_id)
            .first()
        )
        if stored is None:
            raise CeremonyError(_("This security key is not registered for this account."))
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=rp_id(),
                expected_origin=settings.ALLOWED_ORIGINS,
                credential_public_key=bytes(stored.public_key),
                credential_current_sign_count=stored.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise CeremonyError(
                _("The security key was not accepted: %(reason)s") % {"reason": exc}
            ) from exc
        stored.sign_count = verified.new_sign_count
        stored.last_used_at = timezone.now()
        stored.save(update_fields=["sign_count", "last_used_at"])
    return stored


def remove(*, user: User, credential_id: int, ip_address: str | None = None) -> None:
    with transaction.atomic():
        credential = WebAuthnCredential.objects.filter(user=user, pk=credential_id).first()
        if credential is None:
            raise CeremonyError(_("No such security key."))
        credential.delete()
        record(
            "two_factor.removed",
            actor=user,
            target=user,
            ip_address=ip_address,
            details={"method": "webauthn", "credential": credential_id},
        )
        notify_sign_in_change(user, "webauthn_removed")
