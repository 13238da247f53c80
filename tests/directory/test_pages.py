"""The directory's pages: search with filters, card, authority page, forms."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_search_page_lists_matches_and_marks_stale(make_contact_point, member, client_for):
    make_contact_point("Lucía Fresca")
    make_contact_point("Lucía Vieja", verified_days_ago=500)
    make_contact_point("Pedro Otro")
    response = client_for(member).get("/directory/", {"q": "lucia"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 contact points" in body
    assert body.index("Lucía Fresca") < body.index("Lucía Vieja")
    assert "Pedro Otro" not in body
    assert body.count('class="badge stale"') == 1


def test_bad_filters_get_a_400_with_the_reason(member, client_for):
    response = client_for(member).get("/directory/", {"state": "XX", "competence": "nope"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "XX is not an ISO 3166-1 alpha-2 state code" in body
    assert "nope is not a competence" in body


def test_the_api_lists_with_pagination_and_rejects_bad_filters(
    make_contact_point, member, client_for
):
    for index in range(3):
        make_contact_point(f"Fiscal {index}")
    client = client_for(member)
    page = client.get("/api/v1/directory/contact-points/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    bad = client.get("/api/v1/directory/contact-points/", {"language": "zz"})
    assert bad.status_code == 400 and "language" in bad.json()["error"]["fields"]


def test_the_authority_page_lists_its_contact_points(make_contact_point, member, client_for):
    entry = make_contact_point("Juana Pérez")
    response = client_for(member).get(entry.authority.get_absolute_url())
    assert response.status_code == 200
    assert "Juana Pérez" in response.content.decode()
    api = client_for(member).get(f"/api/v1/directory/authorities/{entry.authority_id}/").json()
    assert api["name"] == "Fiscalía General de la Nación" and api["state"] == "CO"
    assert client_for(member).get("/api/v1/directory/authorities/?state=CO").json()["count"] == 1


def test_unknown_entries_are_404(member, client_for):
    client = client_for(member)
    assert client.get("/directory/contact-points/424242/").status_code == 404
    assert client.get("/directory/authorities/424242/").status_code == 404
    assert client.get("/api/v1/directory/contact-points/424242/").status_code == 404


def test_the_confirm_page_shows_the_form_to_the_linked_member(
    make_contact_point, member, client_for
):
    entry = make_contact_point("Mateo Member", member=member)
    response = client_for(member).get(f"/directory/contact-points/{entry.pk}/confirm/")
    assert response.status_code == 200
    assert 'value="Mateo Member"' in response.content.decode()


def test_the_openapi_schema_documents_the_directory(member, client_for):
    response = client_for(member).get("/api/v1/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/directory/contact-points/" in body
    assert "/api/v1/directory/answer/" in body


def test_coordinators_find_their_tools_on_the_search_page(coordinator, member, client_for):
    page = client_for(coordinator).get("/directory/").content.decode()
    assert "/directory/networks/tipp/stale/" in page and "/directory/import/" in page
    assert "/directory/import/" not in client_for(member).get("/directory/").content.decode()


def test_a_correction_with_a_number_of_another_state_is_a_field_error(
    make_contact_point, member, client_for
):
    """The confirm-or-correct form checks the phone against the entry's state's numbering plan
    (phonenumbers): a Côte d'Ivoire number on a Colombian entry is refused at the field, and
    nothing is saved."""
    entry = make_contact_point("Mateo Member", member=member)
    page = client_for(member).get(f"/directory/contact-points/{entry.pk}/confirm/")
    form = {
        "name": entry.name,
        "phone": "+2252721234567",
        "email": entry.email,
        "availability": entry.availability,
        "time_zone": entry.time_zone,
        "competences": entry.competence_codes,
    }
    assert page.status_code == 200
    response = client_for(member).post(f"/directory/contact-points/{entry.pk}/confirm/", form)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["phone"] == ["+2252721234567 is not a valid phone number in Colombia."]
    entry.refresh_from_db()
    assert entry.phone != "+2252721234567"
