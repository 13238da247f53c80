"""TOTP authenticator apps and recovery codes.

Seeds are sealed with the key ring (purpose "totp-seed", bound to user and device id), so a
database dump does not reveal them. A code is accepted once: the device row is locked while
it is checked and the accepted time step is stored, so a second request with the same code,
even at the same instant, finds `last_t` already at that step.

Window: the current 30-second step and the one before it (t-1, t). That forgives a code typed
just before the step changed and keeps a code valid for 60 seconds at most; codes from the
future are not accepted (servers and phones keep network time).

Bad codes (TOTP or recovery) are throttled per account: two consecutive failures are free
(typing mistakes); after the third, fourth, … the account waits 1, 2, 4, … seconds (at most
15 minutes) before another code is even looked at.
"""

import base64
import io
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp.oath import hotp

from network.accounts.models import RecoveryCode, SecondFactorThrottle, TotpDevice, User
from network.accounts.notifications import notify_sign_in_change
from network.audit.log import record
from network.errors import DomainError
from network.keyring import seal, unseal

STEP = 30
DIGITS = 6
ACCEPTED_STEPS = (0, -1)  # offsets from the current step, newest first
SEED_BYTES = 20
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH = 16  # about 79 bits
FREE_FAILURES = 2
MAX_THROTTLE_SECONDS = 15 * 60


class SecondFactorError(DomainError):
    """A code was refused; the message is safe to show."""

    def __init__(self, message: str):
        super().__init__("second_factor_refused", message)


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    message: str = ""


# --- TOTP ---------------------------------------------------------------------------------


def _aad(device: TotpDevice) -> bytes:
    return f"{device.user_id}|{device.pk}".encode()


def device_seed(device: TotpDevice) -> bytes:
    return unseal(bytes(device.sealed_seed), purpose="totp-seed", aad=_aad(device))


def reseal_seed(device: TotpDevice, seed: bytes) -> None:
    """Seal `seed` again under the current master key (master-key rotation)."""
    device.sealed_seed = seal(seed, purpose="totp-seed", aad=_aad(device))
    device.save(update_fields=["sealed_seed"])


def current_step(at: float | None = None) -> int:
    return int(at if at is not None else time.time()) // STEP


def code_at(seed: bytes, step: int) -> str:
    return f"{hotp(seed, step, digits=DIGITS):0{DIGITS}d}"


def start_enrolment(user: User) -> TotpDevice:
    """The unconfirmed device of `user`, created with a new seed if there is none."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed:
            raise SecondFactorError(_("An authenticator app is already set up for this account."))
        if device is not None:
            return device
        device = TotpDevice.objects.create(user=user, sealed_seed=b"")
        reseal_seed(device, secrets.token_bytes(SEED_BYTES))
        return device


def provisioning_uri(device: TotpDevice) -> str:
    secret = base64.b32encode(device_seed(device)).decode().rstrip("=")
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{device.user.email}")
    return (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )


def manual_key(device: TotpDevice) -> str:
    secret = base64.b32encode(device_seed(device)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TotpDevice) -> str:
    image = qrcode.make(provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def _normalise(code: str) -> str:
    return "".join(code.split())


def _match_step(device: TotpDevice, code: str, at: float | None) -> int | None:
    if not (len(code) == DIGITS and code.isdigit()):
        return None
    seed = device_seed(device)
    now = current_step(at)
    for offset in ACCEPTED_STEPS:
        step = now + offset
        if step > device.last_t and constant_time_compare(code_at(seed, step), code):
            return step
    return None


def confirm_enrolment(*, user: User, code: str, ip_address: str | None = None) -> list[str]:
    """Confirm the unconfirmed device with a valid code; returns new recovery codes."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise SecondFactorError(_("Start the set-up again: no authenticator app is waiting."))
        if device.confirmed:
            raise SecondFactorError(_("An authenticator app is already set up for this account."))
        step = _match_step(device, _normalise(code), None)
        if step is None:
            raise SecondFactorError(_("That code is not valid. Enter the current 6-digit code."))
        device.confirmed = True
        device.confirmed_at = device.last_used_at = timezone.now()
        device.last_t = step
        device.save()
        record(
            "two_factor.enrolled",
            actor=user,
            target=user,
            details={"method": "totp"},
            ip_address=ip_address,
        )
        notify_sign_in_change(user, "totp_enrolled")
        return [] if has_recovery_codes(user) else _replace_recovery_codes(user)


def verify_totp(
    *, user: User, code: str, ip_address: str | None = None, at: float | None = None
) -> CodeCheck:
    """Check a TOTP code for sign-in. `at` (seconds since the epoch) defaults to now."""
    with transaction.atomic():
        throttle = _locked_throttle(user)
        if (wait := _wait_seconds(throttle)) > 0:
            return CodeCheck(
                False, _("Too many wrong codes. Try again in %(wait)d seconds.") % {"wait": wait}
            )
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return CodeCheck(False, _("This account has no authenticator app."))
        step = _match_step(device, _normalise(code), at)
        if step is None:
            _fail(throttle, user, "totp", ip_address)
            return CodeCheck(False, _("That code is not valid, or it was already used."))
        device.last_t = step
        device.last_used_at = timezone.now()
        device.save(update_fields=["last_t", "last_used_at"])
        _succeed(throttle)
        return CodeCheck(True)


def remove_totp(*, user: User, ip_address: str | None = None) -> None:
    with transaction.atomic():
        deleted, _ = TotpDevice.objects.filter(user=user).delete()
        if deleted:
            record(
                "two_factor.removed",
                actor=user,
                target=user,
                details={"method": "totp"},
                ip_address=ip_address,
            )
            notify_sign_in_change(user, "totp_removed")


# --- Recovery codes -----------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def _canonical_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def has_recovery_codes(user: User) -> bool:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists()


def unused_recovery_code_count(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(_canonical_recovery(code)))
        for code in codes
    )
    return codes


def regenerate_recovery_codes(*, user: User, ip_address: str | None = None) -> list[str]:
    """Replace every recovery code; the caller has re-authenticated the user."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        codes = _replace_recovery_codes(user)
        record(
            "two_factor.recovery_codes_regenerated", actor=user, target=user, ip_address=ip_address
        )
        notify_sign_in_change(user, "recovery_codes_regenerated")
        return codes


def issue_recovery_codes_if_missing(user: User) -> list[str]:
    """Recovery codes for an account that just enrolled its first factor."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        return [] if has_recovery_codes(user) else _replace_recovery_codes(user)


def use_recovery_code(*, user: User, code: str, ip_address: str | None = None) -> CodeCheck:
    canonical = _canonical_recovery(code)
    with transaction.atomic():
        throttle = _locked_throttle(user)
        if (wait := _wait_seconds(throttle)) > 0:
            return CodeCheck(
                False, _("Too many wrong codes. Try again in %(wait)d seconds.") % {"wait": wait}
            )
        unused = RecoveryCode.objects.select_for_update().filter(user=user, used_at__isnull=True)
        match = None
        if len(canonical) == RECOVERY_CODE_LENGTH:
            match = next((rc for rc in unused if check_password(canonical, rc.code_hash)), None)
        if match is None:
            _fail(throttle, user, "recovery", ip_address)
            return CodeCheck(False, _("That recovery code is not valid, or it was already used."))
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        _succeed(throttle)
        record(
            "two_factor.recovery_code_used",
            actor=user,
            target=user,
            ip_address=ip_address,
            details={"remaining": unused_recovery_code_count(user)},
        )
        return CodeCheck(True)


# --- Throttle -----------------------------------------------------------------------------


def _locked_throttle(user: User) -> SecondFactorThrottle:
    SecondFactorThrottle.objects.get_or_create(user=user)
    return SecondFactorThrottle.objects.select_for_update().get(user=user)


def _wait_seconds(throttle: SecondFactorThrottle) -> int:
    if throttle.throttled_until is None:
        return 0
    remaining = (throttle.throttled_until - timezone.now()).total_seconds()
    return max(0, int(remaining + 0.999))


def _fail(throttle: SecondFactorThrottle, user: User, method: str, ip_address) -> None:
    throttle.failures += 1
    if throttle.failures > FREE_FAILURES:
        delay = min(2 ** (throttle.failures - FREE_FAILURES - 1), MAX_THROTTLE_SECONDS)
        throttle.throttled_until = timezone.now() + timedelta(seconds=delay)
    throttle.save(update_fields=["failures", "throttled_until"])
    record(
        "sign_in.second_factor_failed",
        actor=user,
        target=user,
        ip_address=ip_address,
        details={"method": method, "consecutive_failures": throttle.failures},
    )


def _succeed(throttle: SecondFactorThrottle) -> None:
    if throttle.failures or throttle.throttled_until:
        throttle.failures = 0
        throttle.throttled_until = None
        throttle.save(update_fields=["failures", "throttled_until"])
