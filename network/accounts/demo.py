"""Demo mode only: every demo account gets an authenticator app, so a newcomer can sign in
without a phone (`manage.py demo_code EMAIL` prints the current code)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from network.accounts import twofactor
from network.accounts.models import TotpDevice, User
from network.audit.log import record


def seed(*, stdout) -> None:
    if not settings.DEMO:
        raise ImproperlyConfigured("demo data is only for demo mode (COUNTERPART_DEMO=1)")
    enrolled = 0
    for user in User.objects.filter(is_active=True).order_by("pk"):
        if TotpDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        device = twofactor.start_enrolment(user)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(
            "two_factor.enrolled", actor=user, target=user, details={"method": "totp", "demo": True}
        )
        enrolled += 1
    stdout.write(
        f"Authenticator apps enrolled for {enrolled} demo accounts. Print the current code of "
        "one with: COUNTERPART_DEMO=1 python manage.py demo_code EMAIL\n"
    )


def current_code(email: str) -> str:
    if not settings.DEMO:
        raise ImproperlyConfigured("demo_code runs only in demo mode (COUNTERPART_DEMO=1)")
    device = TotpDevice.objects.filter(user__email=email.strip().lower(), confirmed=True).first()
    if device is None:
        raise LookupError(f"{email} has no demo authenticator app (run seed_demo first)")
    return twofactor.code_at(twofactor.device_seed(device), twofactor.current_step())
