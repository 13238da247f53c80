"""One error shape on every answer under /api/, the status decided by the code in one place,
the rates enforced, and a DomainError on a page answered with its message and status."""

import ast
import logging
import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.decorators import api_view

from network.accounts import tokens
from network.errors import STATUS_BY_CODE, DomainError
from network.models import Membership
from network.vetting.actions import VettingError

ROOT = Path(__file__).resolve().parents[2]


# A URLconf of the project plus two views that fail, for the 500 and the page-side handler.
@api_view(["GET"])
def _api_view_that_breaks(request):
    raise RuntimeError("secret internal detail")


def _plain_view_that_breaks(request):
    raise RuntimeError("secret internal detail")


def _page_that_is_refused(request):
    raise VettingError("not_coordinator", "Only the network's coordinators may do this.")


def _page_that_answers(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/v1/broken/", _api_view_that_breaks),
    path("api/v1/plain-broken/", _plain_view_that_breaks),
    path("plain-broken/", _plain_view_that_breaks),
    path("refused-page/", _page_that_is_refused),
    path("answered-page/", _page_that_answers),
    path("", include("network.urls")),
]
handler400 = "network.api_errors.handler400"
handler403 = "network.api_errors.handler403"
handler404 = "network.api_errors.handler404"
handler500 = "network.api_errors.handler500"


def shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(response.json()) == {"error"}
    assert error["code"] == code and error["message"]
    assert STATUS_BY_CODE[code] == status
    return error


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here/", "/api/nothing/", "/api/v1/rooms/not-a-uuid/", "/api/v1/me"],
)
def test_unknown_api_paths_answer_a_json_404(client_for, member, path):
    shape(client_for(member).get(path), 404, "not_found")


def test_unknown_api_paths_answer_401_to_an_anonymous_client(client, db):
    """Nothing tells a client without credentials which paths exist."""
    shape(client.get("/api/v1/nothing-here/"), 401, "not_authenticated")
    shape(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_an_invalid_token_is_401_in_the_one_shape(client, db):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer cp_nope_nothing")
    shape(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_object_is_a_json_404(client_for, member):
    shape(client_for(member).get("/api/v1/directory/contact-points/424242/"), 404, "not_found")
    shape(client_for(member).get("/api/v1/networks/nowhere/"), 404, "not_found")


def test_a_wrong_method_is_405(client_for, member):
    shape(client_for(member).delete("/api/v1/me/"), 405, "method_not_allowed")


def test_an_html_only_client_gets_406_not_a_page(client_for, member):
    response = client_for(member).get("/api/v1/me/", HTTP_ACCEPT="text/html")
    shape(response, 406, "not_acceptable")


def test_a_body_of_another_content_type_is_415(client_for, outsider, tipp):
    response = client_for(outsider).post(
        "/api/v1/networks/tipp/apply/", "statement=x", content_type="text/plain"
    )
    shape(response, 415, "unsupported_media_type")
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_body_over_the_upload_limit_is_413_and_nothing_is_stored(
    settings, client_for, outsider, tipp
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"institution": "F", "position": "P", "statement": "s" * 2000}

    response = client_for(outsider).post(
        "/api/v1/networks/tipp/apply/", body, content_type="application/json"
    )

    shape(response, 413, "request_too_large")
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_unexpected_error_is_a_json_500_without_details_and_logged(settings, member, caplog):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    issued = tokens.create_token(user=member, name="t", lifetime_days=1)

    with caplog.at_level(logging.ERROR, logger="network.api"):
        response = client.get("/api/v1/broken/", HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")

    error = shape(response, 500, "server_error")
    assert "secret" not in response.content.decode() and "Traceback" not in error["message"]
    assert any(record.exc_info for record in caplog.records), "the failure is logged"


def test_a_failure_outside_the_api_views_is_json_under_api_and_a_page_elsewhere(
    settings, client_for, member
):
    settings.ROOT_URLCONF = __name__
    client = client_for(member)
    client.raise_request_exception = False

    shape(client.get("/api/v1/plain-broken/"), 500, "server_error")
    page = client.get("/plain-broken/")
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")


def test_a_domain_error_on_a_page_renders_its_message_with_its_status(settings, client_for, member):
    settings.ROOT_URLCONF = __name__

    response = client_for(member).get("/refused-page/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"Only the network&#x27;s coordinators may do this." in response.content
    assert b'data-code="not_coordinator"' in response.content
    assert client_for(member).get("/answered-page/").content == b"ok"


def test_a_refusal_keeps_its_domain_code_and_the_status_of_that_code(client_for, member):
    """An action's refusal passes through unchanged: code, message, status from the table."""
    response = client_for(member).post(
        "/api/v1/networks/tipp/apply/",
        {"institution": "F", "position": "P", "statement": "again"},
        content_type="application/json",
    )
    shape(response, 409, "already_member")


# --- The code table ---------------------------------------------------------------------------

REFUSALS = {
    "RecordError",
    "VettingError",
    "MessagingError",
    "TranslationError",
    "LanguagePairError",
    "InvitationError",
    "TextRefused",
    "DomainError",
    "FrameError",
}


def _codes_raised() -> set[str]:
    """Every literal code given to a refusal's constructor (or `invalid`) in the code."""
    codes = set()
    for source in ROOT.glob("*/**/*.py"):
        if source.parts[len(ROOT.parts)] not in ("network", "directory", "messaging"):
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0] if node.args else None
            if name in REFUSALS and isinstance(first, ast.Constant):
                codes.add(first.value)
            if name in REFUSALS | {"TokenError"}:
                codes |= {
                    k.value.value
                    for k in node.keywords
                    if k.arg == "code" and isinstance(k.value, ast.Constant)
                }
    return {code for code in codes if isinstance(code, str)}


def test_every_code_raised_has_its_status_in_the_table():
    raised = _codes_raised()
    assert {"not_coordinator", "unknown_item", "client_id_conflict"} <= raised
    assert not raised - set(STATUS_BY_CODE), sorted(raised - set(STATUS_BY_CODE))


def test_every_code_of_the_table_is_in_the_api_docs():
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "api.md").read_text()))
    assert not set(STATUS_BY_CODE) - documented, sorted(set(STATUS_BY_CODE) - documented)


def test_the_refusals_of_every_capability_are_domain_errors():
    from messaging.access import UnknownRoom
    from messaging.errors import MessagingError
    from messaging.records.errors import RecordError
    from messaging.translations.access import UnknownRequest
    from messaging.translations.actions import TranslationError
    from network.accounts.invitations import InvitationError
    from network.accounts.password_reset import ResetLinkError
    from network.accounts.tokens import TokenError
    from network.accounts.twofactor import SecondFactorError
    from network.accounts.webauthn_ceremonies import CeremonyError
    from network.languages.actions import LanguagePairError

    for refusal in (
        VettingError("wrong_status", "x"),
        MessagingError("forbidden", "x"),
        RecordError("empty_selection", "x"),
        TranslationError("not_translator", "x"),
        LanguagePairError("unknown_pair", "x"),
        InvitationError("expired", "x"),
        TokenError("x", code="not_found"),
        SecondFactorError("x"),
        CeremonyError("x"),
        ResetLinkError(),
        UnknownRoom("id"),
        UnknownRequest("id"),
    ):
        assert isinstance(refusal, DomainError)
        assert refusal.http_status == STATUS_BY_CODE[refusal.code]


# --- The schema holds every operation to the contract -----------------------------------------


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {route}", method, operation


def test_every_operation_lists_the_error_shape_under_its_error_statuses():
    schema = _schema()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    for name, method, operation in _operations(schema):
        statuses = {"400", "401", "403", "404", "405", "429", "500"}
        if method in ("post", "put", "patch", "delete"):
            statuses |= {"409", "413", "415"}
        missing = statuses - set(operation["responses"])
        assert not missing, (name, sorted(missing))
        assert operation["security"], name


def test_every_request_body_is_a_declared_object_that_refuses_other_fields():
    """A new operation that reads a free-form body fails here: its input must be declared."""
    schema = _schema()
    components = schema["components"]["schemas"]
    checked = 0
    for name, _method, operation in _operations(schema):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            body = media["schema"]
            if "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[-1]]
            assert body.get("type") == "object" and "properties" in body, (name, media_type)
            if media_type == "application/json":
                assert body.get("additionalProperties") is False, name
                checked += 1
    assert checked > 20
