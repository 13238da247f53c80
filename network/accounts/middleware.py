from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from network.accounts.sessions import LAST_SEEN_KEY, is_two_factor_verified

# Paths a half-authenticated session (password only, no second factor yet) may reach.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")


class TwoFactorGateMiddleware:
    """Nothing but sign-in and enrolment until the second factor is verified; idle timeout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not self._idle_expired(request):
            request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
        elif user.is_authenticated:
            logout(request)
            return self._refuse(request, "Your session ended after a period of inactivity.")
        if (
            request.user.is_authenticated
            and not is_two_factor_verified(request.session)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return self._refuse(request, "Two-factor authentication is required.")
        return self.get_response(request)

    @staticmethod
    def _idle_expired(request) -> bool:
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is None:
            return False
        return timezone.now().timestamp() - last_seen > settings.COUNTERPART_IDLE_TIMEOUT

    @staticmethod
    def _refuse(request, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=401)
        return redirect(settings.LOGIN_URL)
