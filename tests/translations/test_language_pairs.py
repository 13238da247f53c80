"""Declaring the language pairs one translates: page and API, with their refusals."""

import pytest
from django.utils import translation

from network.audit.models import AuditEvent
from network.languages.models import LanguagePair

pytestmark = pytest.mark.django_db

API = "/api/v1/language-pairs/"


def declare(client, **data):
    return client.post(API, data, content_type="application/json")


def test_a_member_declares_lists_and_withdraws_a_pair(client_for, member):
    client = client_for(member)
    created = declare(client, source="es", target="EN", certified=True)
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("source", "target", "certified")} == {
        "source": "es",
        "target": "en",
        "certified": True,
    }
    assert [pair["target"] for pair in client.get(API).json()] == ["en"]
    assert AuditEvent.objects.filter(action="languages.pair_declared").count() == 1
    again = declare(client, source="es", target="en", certified=False)
    assert again.status_code == 201 and LanguagePair.objects.get(user=member).certified is False
    removed = client.delete(f"{API}{created.json()['id']}/")
    assert removed.status_code == 204 and not LanguagePair.objects.filter(user=member).exists()


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"source": "es", "target": "es"}, "same_language", "target"),
        ({"source": "xx", "target": "en"}, "unsupported_language", "source"),
        ({"source": "es", "target": "english"}, "unsupported_language", "target"),
        ({"source": "es"}, "missing_field", "target"),
        ({"source": "es", "target": "en", "certified": "yes"}, "invalid_field", "certified"),
    ],
)
def test_it_refuses_bad_pairs(client_for, member, data, code, field):
    response = declare(client_for(member), **data)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert not LanguagePair.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "applicant", "suspended_member"])
def test_only_active_members_declare_pairs(request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = declare(client_for(user), source="es", target="en")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not LanguagePair.objects.exists()


def test_a_member_cannot_withdraw_someone_elses_pair(client_for, member, translator):
    pair = LanguagePair.objects.get(user=translator)
    assert client_for(member).delete(f"{API}{pair.pk}/").status_code == 404
    assert LanguagePair.objects.filter(pk=pair.pk).exists()


def test_the_page_declares_a_pair(client_for, member):
    client = client_for(member)
    assert client.get("/languages/").status_code == 200
    response = client.post("/languages/", {"source": "pt", "target": "es", "certified": "on"})
    assert response.status_code == 302
    assert LanguagePair.objects.get(user=member).certified
    refused = client.post("/languages/", {"source": "pt", "target": "pt"})
    assert refused.status_code == 400
    assert "different languages" in refused.content.decode()


@pytest.fixture
def _english_afterwards():
    """A request leaves its language active in the thread; later tests expect English."""
    yield
    translation.deactivate()


@pytest.mark.usefixtures("_english_afterwards")
def test_a_refusal_speaks_the_readers_language(client_for, member, outsider):
    """The API and the page give a refused declaration in the language asked for."""
    client = client_for(member)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    same = declare(client, source="pt", target="pt")
    assert same.json()["error"] == {
        "code": "same_language",
        "message": "El idioma de origen y el de destino deben ser distintos.",
        "field": "target",
    }
    outside = client_for(outsider)
    outside.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    refused = declare(outside, source="es", target="en")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "Solo los miembros activos de una red declaran pares de idiomas."
    )
    page = client.post("/languages/", {"source": "pt", "target": "pt"})
    assert page.status_code == 400
    assert "El idioma de origen y el de destino deben ser distintos." in page.content.decode()
    assert not LanguagePair.objects.exists()
