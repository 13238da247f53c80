from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from network.accounts.sessions import is_two_factor_verified
from network.accounts.tokens import user_for_token
from network.api_throttles import count_failed_credentials


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that accepts only sessions that passed the second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or not is_two_factor_verified(request._request.session):
            return None
        return result


class ApiTokenAuthentication(BaseAuthentication):
    """Personal API tokens (hashed at rest); see network/accounts/tokens.py."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _, presented = header.partition(" ")
        if keyword != self.keyword:
            return None
        presented = presented.strip()
        if not presented or " " in presented:
            count_failed_credentials(request)
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        found = user_for_token(presented)
        if found is None:
            count_failed_credentials(request)
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return found

    def authenticate_header(self, request) -> str:
        return self.keyword
