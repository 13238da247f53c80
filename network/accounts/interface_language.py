"""The interface language a member chose (`User.preferred_language`) wins once they sign in.

Django's LocaleMiddleware reads the language cookie before the browser's Accept-Language, so
the sign-in and the profile pages set that cookie from the member's choice. The language
switcher (`/i18n/setlang/`) sets the same cookie, for this browser, until the next sign-in.
"""

from django.conf import settings


def remember(response, code: str):
    """Set the language cookie on `response` to `code` when it is an interface language."""
    if code not in dict(settings.LANGUAGES):
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        # A signed-in session outlives a browser restart; the language follows it.
        max_age=settings.LANGUAGE_COOKIE_AGE or settings.SESSION_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
