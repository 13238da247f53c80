"""The 2FA gate: a password-only session reaches the sign-in, second-factor and enrolment
steps and nothing else, on every page and API endpoint of the project."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from network.accounts.middleware import OPEN_PREFIXES
from tests.network.accounts_support import enrol_totp, give_password, password_only_client

# Fixed values: parallel workers must collect the same parametrised test ids.
SAMPLES = {
    "int": "1",
    "slug": "sample",
    "str": "sample",
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
            route = route.replace(f"<{kind}:{name}>", sample).replace(f"<{name}>", sample)
        if isinstance(entry, URLResolver):
            paths.extend(_paths(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route.lstrip("^").rstrip("$"))
    return paths


GATED = sorted({path for path in _paths() if not path.startswith(OPEN_PREFIXES)})


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
    assert response.json() == {"detail": "Two-factor authentication is required."}


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
