"""The 2FA gate: a password-only session reaches the sign-in, second-factor and enrolment
steps and nothing else, on every page and API endpoint of the project."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from network.accounts.middleware import OPEN_PREFIXES
from tests.network.accounts_support import enrol_totp, give_password, password_only_client

# Fixed values: parallel workers must collect the same parametrised test ids.
SAMPLES = {
    "int": "1",
    "slug": "sample",
    "string": "sample",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "path": "x",
}


def _paths(patterns=None, prefix: str = "/") -> list[str]:
    """One concrete path per URL pattern of the project, converters filled with samples."""
    paths = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        for name, converter in getattr(entry.pattern, "converters", {}).items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            sample = SAMPLES.get(kind, "1")
            route = re.sub(rf"<(?:\w+:)?{name}>", sample, route)
        if isinstance(entry, URLResolver):
            paths.extend(_paths(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route.lstrip("^").rstrip("$"))
    return paths


GATED = sorted({path for path in _paths() if not path.startswith(OPEN_PREFIXES)})

# What an anonymous visitor may reach, each with its reason. Everything else answers a
# visitor without a session with the sign-in page (302) or 401, or refuses the method (405).
ANONYMOUS_PAGES = {
    "/accounts/sign-in/": "the password step of signing in",
    "/accounts/invitation/": "following an invitation link creates the account",
    "/accounts/password-reset/": "asking for a reset link and choosing the new password",
    "/api/v1/schema/": "the OpenAPI description of the API, no data",
    "/api/v1/docs/": "the API's documentation page, no data",
    "/healthz": "the liveness probe of the deployment",
    "/readyz": "the readiness probe of the deployment",
    "/metrics": "the metrics, served only to the addresses of COUNTERPART_METRICS_ALLOWED",
    "/i18n/setlang/": "choosing the interface language",
    "/service-worker.js": "the service worker: the static shell's file names, no data",
    "/.well-known/counterpart-keys.json": "the verifier keys of case records, public by design",
}


@pytest.fixture
def half_signed_in(member):
    password = give_password(member)
    enrol_totp(member)
    return password_only_client(member, password)


def test_the_gate_covers_the_project_pages():
    assert "/" in GATED
    assert "/accounts/sessions/" in GATED
    assert "/accounts/tokens/" in GATED
    assert "/api/v1/me/" in GATED


@pytest.mark.parametrize("path", [p for p in GATED if not p.startswith("/api/")])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_password_only_session_is_sent_to_the_second_factor(half_signed_in, path, method):
    response = getattr(half_signed_in, method)(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor")


@pytest.mark.parametrize("path", [p for p in GATED if p.startswith("/api/")])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_password_only_session_gets_401_from_the_api(half_signed_in, path, method):
    response = getattr(half_signed_in, method)(path)

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Two-factor authentication is required.",
        }
    }


@pytest.mark.parametrize(
    "path", ["/directory/", "/rooms/", "/networks/", "/directory/anything/deeper/"]
)
def test_paths_without_a_page_yet_are_gated_too(half_signed_in, path):
    """The gate runs before URL resolution, so nothing leaks through a 404 either."""
    assert half_signed_in.get(path)["Location"] == reverse("accounts:second_factor")


def test_the_steps_of_signing_in_stay_reachable(half_signed_in):
    assert half_signed_in.get(reverse("accounts:second_factor")).status_code == 200
    assert half_signed_in.get(reverse("accounts:recovery")).status_code == 200
    assert half_signed_in.get("/healthz").status_code == 200


def test_a_verified_session_passes_the_gate(member, client_for):
    assert client_for(member).get(reverse("accounts:sessions")).status_code == 200
    assert client_for(member).get("/api/v1/me/").status_code == 200


SIGNED_OUT_ONLY = sorted({p for p in _paths() if not p.startswith(tuple(ANONYMOUS_PAGES))})


def test_each_anonymous_page_exists():
    """The list names real pages only, so it cannot hold stale exemptions."""
    for prefix in ANONYMOUS_PAGES:
        assert any(path.startswith(prefix) for path in _paths()), prefix


@pytest.mark.parametrize("path", SIGNED_OUT_ONLY)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_reaches_only_the_listed_pages(db, client, path, method):
    response = getattr(client, method)(path)

    signed_out = response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:sign_in")
    )
    assert signed_out or response.status_code in (401, 405), (path, response.status_code)


def test_the_invitation_and_reset_pages_are_open_to_anonymous_visitors(client, db):
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    unknown = reverse("accounts:accept_invitation", args=["unknown"])
    assert client.get(unknown).status_code == 404  # the page answers, not the sign-in
