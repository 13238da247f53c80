from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_cache_control

from network.accounts import session_index
from network.accounts.sessions import LAST_SEEN_KEY, is_idle, is_two_factor_verified
from network.errors import error_body

# Paths a half-authenticated session (password only, no second factor yet) may reach: the
# password step, the second-factor step, first enrolment and sign-out. Everything the
# half-authenticated views serve lives under these two prefixes.
OPEN_PREFIXES = (
    "/accounts/sign-in/",
    "/accounts/sign-out/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/metrics",
    # Public documents such as the verifier keys of case records.
    "/.well-known/",
)


class TwoFactorGateMiddleware:
    """Nothing but sign-in and enrolment until the second factor is verified; idle timeout;
    authenticated responses are never cached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and is_idle(request.session):
            self._end_idle_session(request)
            return self._refuse(
                request, "Your session ended after a period of inactivity.", "accounts:sign_in"
            )
        if user.is_authenticated:
            request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
            session_index.touch(request)
        if (
            user.is_authenticated
            and not is_two_factor_verified(request.session)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return self._refuse(
                request, "Two-factor authentication is required.", "accounts:second_factor"
            )
        response = self.get_response(request)
        if user.is_authenticated or request.path.startswith(("/accounts/", "/api/")):
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _end_idle_session(request) -> None:
        user, key = request.user, request.session.session_key
        logout(request)
        if key:
            session_index.end_sessions(
                user=user,
                session_keys=[key],
                reason="idle timeout",
                ip_address=session_index.client_ip(request),
            )

    @staticmethod
    def _refuse(request, message: str, url_name: str):
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body("not_authenticated", message), status=401)
        else:
            response = redirect(url_name)
        patch_cache_control(response, no_store=True, private=True)
        return response
