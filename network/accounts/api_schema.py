"""How the OpenAPI schema describes the two ways of authenticating to the API."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "network.accounts.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cp_<prefix>_<secret>"}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "network.accounts.api_auth.VerifiedSessionAuthentication"
    name = "sessionAfterSecondFactor"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
