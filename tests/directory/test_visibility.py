"""Who sees person-level details: active members of a network the entry serves, on every
way out (page, API, CSV export, vCard); other active members see the authority-level part
only; people active in no network see no directory at all (tests/directory/test_closed.py)."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db

SECRET_BITS = ["Juana Pérez", "+573001234567", "juana@fiscalia.example"]


@pytest.fixture
def entry(make_contact_point):
    return make_contact_point(
        "Juana Pérez",
        phone="+573001234567",
        email="juana@fiscalia.example",
        how_to_reach="Call before 10:00",
        competences=["jit.authorize"],
    )


@pytest.fixture
def unentitled(other_network_member):
    """An active member of a network the entry does not serve."""
    return other_network_member


def test_a_member_of_a_served_network_sees_the_details(entry, member, client_for):
    client = client_for(member)
    card = client.get(f"/directory/contact-points/{entry.pk}/").content.decode()
    api = client.get(f"/api/v1/directory/contact-points/{entry.pk}/").json()
    assert all(bit in card for bit in SECRET_BITS)
    assert api["details_visible"] is True
    assert (api["name"], api["phone"], api["email"]) == (
        "Juana Pérez",
        "+573001234567",
        "juana@fiscalia.example",
    )


def test_others_see_the_authority_only_on_the_card(entry, unentitled, client_for):
    response = client_for(unentitled).get(f"/directory/contact-points/{entry.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Fiscalía General de la Nación" in body
    assert "jit.authorize" in body
    assert not any(bit in body for bit in SECRET_BITS)
    assert "Call before 10:00" not in body


def test_others_see_the_authority_only_in_the_api(entry, unentitled, client_for):
    client = client_for(unentitled)
    detail = client.get(f"/api/v1/directory/contact-points/{entry.pk}/").json()
    listing = client.get("/api/v1/directory/contact-points/").json()["results"]
    for item in (detail, listing[0]):
        assert item["details_visible"] is False
        assert item["name"] is None and item["phone"] is None and item["email"] is None
        assert item["how_to_reach"] is None and item["member_id"] is None
        assert item["authority"]["name"] == "Fiscalía General de la Nación"


def test_others_get_no_details_in_the_csv_export(entry, unentitled, client_for):
    for url in ("/directory/export.csv", "/api/v1/directory/export.csv"):
        response = client_for(unentitled).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert not any(bit in body for bit in SECRET_BITS)
        (row,) = list(csv.DictReader(io.StringIO(body)))
        assert row["authority"] == "Fiscalía General de la Nación"
        assert (row["name"], row["phone"], row["details_visible"]) == ("", "", "no")


def test_others_cannot_download_a_vcard(entry, unentitled, client_for):
    client = client_for(unentitled)
    assert client.get(f"/directory/contact-points/{entry.pk}/vcard/").status_code == 403
    assert client.get(f"/api/v1/directory/contact-points/{entry.pk}/vcard/").status_code == 403


def test_other_members_cannot_find_an_entry_by_a_persons_name(
    entry, other_network_member, member, client_for
):
    url = "/api/v1/directory/contact-points/?q=juana"
    assert client_for(other_network_member).get(url).json()["count"] == 0
    assert client_for(member).get(url).json()["count"] == 1
    by_institution = client_for(other_network_member).get(
        "/api/v1/directory/contact-points/?q=fiscalia"
    )
    assert by_institution.json()["count"] == 1


def test_the_linked_member_sees_their_own_entry(
    make_contact_point, other_network_member, client_for
):
    own = make_contact_point("Olu Other", member=other_network_member)
    api = client_for(other_network_member).get(f"/api/v1/directory/contact-points/{own.pk}/")
    assert api.json()["name"] == "Olu Other"


def test_signed_out_visitors_are_sent_to_sign_in(entry, client):
    assert client.get("/directory/").status_code == 302
    assert client.get("/api/v1/directory/contact-points/").status_code in (401, 403)


def test_a_linked_entry_offers_the_message_action(
    make_contact_point, member, coordinator, client_for
):
    linked = make_contact_point("Carla Coordinator", member=coordinator)
    card = client_for(member).get(f"/directory/contact-points/{linked.pk}/").content.decode()
    assert f"/rooms/new/?contact_point={linked.pk}" in card
    api = client_for(member).get(f"/api/v1/directory/contact-points/{linked.pk}/").json()
    assert api["message_url"] == f"/rooms/new/?contact_point={linked.pk}"


def test_no_message_action_to_oneself_or_without_a_member(
    make_contact_point, coordinator, client_for
):
    own = make_contact_point("Carla Coordinator", member=coordinator)
    unlinked = make_contact_point("Desk", kind="desk")
    client = client_for(coordinator)
    assert client.get(f"/api/v1/directory/contact-points/{own.pk}/").json()["message_url"] is None
    card = client.get(f"/directory/contact-points/{unlinked.pk}/").content.decode()
    assert "/rooms/new/" not in card


AUTHORITY_LEVEL_KEYS = {
    "id", "url", "state", "state_name", "authority", "competences", "languages",
    "availability", "office_hours", "time_zone", "request_languages", "formal_requirements",
    "required_channel", "networks", "verified_at", "stale", "details_visible",
    "details_visible_to", "confidential", "reachable_by_any_network",
}  # fmt: skip


def test_api_fields_per_role_match_the_allowlist(entry, unentitled, member, client_for):
    """Only the allowlisted keys carry a value for those who may not see the details."""
    hidden = client_for(unentitled).get(f"/api/v1/directory/contact-points/{entry.pk}/").json()
    shown = client_for(member).get(f"/api/v1/directory/contact-points/{entry.pk}/").json()
    assert {key for key, value in hidden.items() if value not in (None, "")} <= AUTHORITY_LEVEL_KEYS
    assert set(hidden) == set(shown)
    assert {"name", "phone", "email", "how_to_reach"} <= {k for k, v in shown.items() if v}


def test_a_persons_name_does_not_change_another_members_ranking(
    make_contact_point, other_network_member, member, client_for
):
    """Both entries match "nacion" through the institution; only one person is called Nación."""
    make_contact_point("Ana Nación", verified_days_ago=30)
    make_contact_point("Beto Otro", verified_days_ago=1)
    url = "/api/v1/directory/contact-points/?q=nacion"
    other_order = [e["id"] for e in client_for(other_network_member).get(url).json()["results"]]
    member_order = [e["name"] for e in client_for(member).get(url).json()["results"]]
    assert member_order == ["Ana Nación", "Beto Otro"]  # name match first for members
    assert len(other_order) == 2
    freshest_first = sorted(
        client_for(member).get(url).json()["results"], key=lambda e: e["verified_at"], reverse=True
    )
    assert other_order == [e["id"] for e in freshest_first]


def test_a_member_of_another_network_cannot_find_an_entry_by_a_persons_name(
    entry, other_network_member, client_for
):
    """An active member of a network the entry does not serve sees its authority-level part
    only, so the person's name, position and how-to-reach notes do not find it; the
    institution's name does."""
    client = client_for(other_network_member)
    for words in ("juana", "perez", "before 10"):
        url = f"/api/v1/directory/contact-points/?q={words}"
        assert client.get(url).json()["count"] == 0, words
        page = client.get(f"/directory/?q={words}").content.decode()
        assert f"/directory/contact-points/{entry.pk}/" not in page, words
    assert client.get("/api/v1/directory/contact-points/?q=fiscalia").json()["count"] == 1

    def answer(words):
        return client.get(f"/api/v1/directory/contact-points/?q={words}").json()

    # With the institution's name, the person's name makes no difference to the answer
    # (PostgreSQL may offer the institution as a similar spelling; the same either way).
    assert answer("juana fiscalia") == answer("zyxwv fiscalia")


def test_a_member_of_another_network_finds_their_own_entry_by_name(
    make_contact_point, other_network_member, client_for
):
    """The linked member sees their own entry's details, so their name finds it."""
    own = make_contact_point("Olu Other", member=other_network_member)
    found = client_for(other_network_member).get("/api/v1/directory/contact-points/?q=olu")
    assert [e["id"] for e in found.json()["results"]] == [own.pk]


def test_a_persons_name_does_not_rank_an_entry_the_member_cannot_see_into(
    make_contact_point, make_authority, other_network_member, redtram, client_for
):
    """Two entries match "nacion" through the institution; the one whose person is called
    Nación serves a network the searcher is not in, so its name adds nothing to its rank:
    the fresher entry comes first."""
    hidden = make_contact_point("Ana Nación", verified_days_ago=30)
    fresher = make_contact_point("Beto Otro", networks=[redtram], verified_days_ago=1)
    url = "/api/v1/directory/contact-points/?q=nacion"
    results = client_for(other_network_member).get(url).json()["results"]
    assert [e["id"] for e in results] == [fresher.pk, hidden.pk]


def test_a_linked_member_no_longer_active_sees_no_directory(
    make_contact_point, suspended_member, client_for
):
    """Once their membership is not active, the member the entry is linked to is refused the
    directory like every account active in no network: not even their own entry."""
    own = make_contact_point(
        "Sam Suspended", member=suspended_member, phone="+576015123456", how_to_reach="Desk 4"
    )
    client = client_for(suspended_member)
    for url in (
        f"/api/v1/directory/contact-points/{own.pk}/",
        f"/api/v1/directory/contact-points/{own.pk}/vcard/",
        "/api/v1/directory/contact-points/?q=sam",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "directory_members_only"
    card = client.get(f"/directory/contact-points/{own.pk}/")
    assert card.status_code == 403
    assert "+576015123456" not in card.content.decode()
    exported = client.get("/directory/export.csv?q=fiscalia")
    assert exported.status_code == 403 and "+576015123456" not in exported.content.decode()
