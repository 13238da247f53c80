"""The directory is closed to accounts active in no network (applicants, rejected,
suspended, revoked and expired memberships, people in no network): every page, API
operation, the CSV and the vCard refuse them with `directory_members_only` (403), and the
page says why. Victim-support NGOs and confidential entries show their address only to
members of the networks they serve."""

import pytest

pytestmark = pytest.mark.django_db

ADDRESS = "Calle Refugio 12, Bogotá"


@pytest.fixture
def entry(make_contact_point):
    return make_contact_point("Juana Pérez", phone="+573001234567")


@pytest.fixture
def rejected(make_user, make_membership, tipp):
    user = make_user("rejected@example.org")
    make_membership(user, tipp, status="rejected")
    return user


@pytest.fixture
def revoked(make_user, make_membership, tipp):
    user = make_user("revoked@example.org")
    make_membership(user, tipp, status="revoked")
    return user


@pytest.fixture(params=["outsider", "applicant", "rejected", "suspended_member", "revoked"])
def inactive(request):
    return request.getfixturevalue(request.param)


def _api_urls(entry):
    return [
        "/api/v1/directory/contact-points/",
        f"/api/v1/directory/contact-points/{entry.pk}/",
        f"/api/v1/directory/contact-points/{entry.pk}/vcard/",
        "/api/v1/directory/answer/?state=CO&competence=tip.specialized_prosecution",
        "/api/v1/directory/export.csv",
        "/api/v1/directory/authorities/",
        f"/api/v1/directory/authorities/{entry.authority_id}/",
    ]


def _page_urls(entry):
    return [
        "/directory/",
        "/directory/export.csv",
        f"/directory/contact-points/{entry.pk}/",
        f"/directory/contact-points/{entry.pk}/vcard/",
        f"/directory/authorities/{entry.authority_id}/",
    ]


def test_the_api_refuses_the_directory_to_accounts_active_in_no_network(
    entry, inactive, client_for
):
    client = client_for(inactive)
    for url in _api_urls(entry):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "directory_members_only", url
        assert "Fiscalía" not in response.content.decode()


def test_the_pages_explain_the_refusal(entry, inactive, client_for):
    client = client_for(inactive)
    for url in _page_urls(entry):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 403, url
        assert 'data-code="directory_members_only"' in body, url
        assert "active members of a network only" in body
        assert "Fiscalía" not in body and "+573001234567" not in body


def test_an_active_member_of_any_network_opens_it(entry, other_network_member, client_for):
    client = client_for(other_network_member)
    for url in [*_api_urls(entry)[:2], *_page_urls(entry)[:3]]:
        assert client.get(url).status_code == 200, url


@pytest.fixture
def shelter(make_authority, make_contact_point):
    ngo = make_authority(
        "Fundación Refugio", kind="victim_support_ngo", state="CO", address=ADDRESS
    )
    return make_contact_point("Desk Refugio", kind="desk", authority=ngo)


@pytest.fixture
def confidential(make_authority, make_contact_point):
    office = make_authority("Unidad Protegida", state="CO", address="Carrera 7 #1")
    return make_contact_point("Lina Prot", authority=office, confidential=True)


def test_a_victim_support_address_is_shown_only_to_the_networks_served(
    shelter, member, other_network_member, client_for
):
    served, other = client_for(member), client_for(other_network_member)
    for client, shown in ((served, True), (other, False)):
        api = client.get(f"/api/v1/directory/contact-points/{shelter.pk}/").json()
        assert (api["authority"]["address"] == ADDRESS) is shown
        assert api["authority"]["address_withheld"] is not shown
        authority = client.get(f"/api/v1/directory/authorities/{shelter.authority_id}/").json()
        assert (authority["address"] == ADDRESS) is shown
        listing = client.get("/api/v1/directory/authorities/?type=victim_support_ngo").json()
        assert (listing["results"][0]["address"] == ADDRESS) is shown
        for url in (
            f"/directory/contact-points/{shelter.pk}/",
            f"/directory/authorities/{shelter.authority_id}/",
            "/directory/export.csv?authority_type=victim_support_ngo",
            "/api/v1/directory/export.csv?authority_type=victim_support_ngo",
        ):
            body = client.get(url).content.decode()
            assert ("Calle Refugio 12" in body) is shown, url


def test_a_confidential_entry_shows_its_address_only_to_the_networks_served(
    confidential, member, other_network_member, client_for
):
    for user, shown in ((member, True), (other_network_member, False)):
        client = client_for(user)
        api = client.get(f"/api/v1/directory/contact-points/{confidential.pk}/").json()
        assert (api["authority"]["address"] == "Carrera 7 #1") is shown
        page = client.get(f"/directory/authorities/{confidential.authority_id}/").content
        assert ("Carrera 7 #1" in page.decode()) is shown
        exported = client.get("/directory/export.csv?q=protegida").content.decode()
        assert ("Carrera 7 #1" in exported) is shown


def test_an_ordinary_address_is_authority_level(
    make_authority, make_contact_point, client_for, other_network_member
):
    office = make_authority("Fiscalía Seccional", state="CO", address="Avenida 3")
    cp = make_contact_point("Pedro", authority=office)
    api = client_for(other_network_member).get(f"/api/v1/directory/contact-points/{cp.pk}/")
    assert api.json()["authority"]["address"] == "Avenida 3"
