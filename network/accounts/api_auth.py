from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from network.accounts.sessions import is_two_factor_verified


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
        return None

    def authenticate_header(self, request) -> str:
        return self.keyword
