"""The profile page: display name, institution, position, state, languages, interface
language and time zone, each validated."""

import pytest
from django.urls import reverse


def _form(**changes):
    data = {
        "display_name": "Mateo Member",
        "institution": "Ministerio Público Fiscal",
        "position": "Fiscal",
        "state": "AR",
        "languages": ["es", "en"],
        "preferred_language": "es",
        "time_zone": "America/Argentina/Buenos_Aires",
    }
    data.update(changes)
    return data


def test_the_profile_page_shows_the_current_values(member, client_for):
    response = client_for(member).get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert b'value="Mateo Member"' in response.content


def test_the_profile_offers_languages_and_time_zones_by_name(member, client_for):
    """Languages spoken and time zones are chosen by their names in the reader's language;
    a zone stored under an older name of the tz database stays selected."""
    member.languages = ["es", "en"]
    member.time_zone = "America/Buenos_Aires"
    member.save()
    client = client_for(member)
    client.cookies["django_language"] = "es"

    page = client.get(reverse("accounts:profile")).content.decode()

    assert '<option value="es" selected>español</option>' in page
    assert '<option value="en" selected>inglés</option>' in page
    assert '<option value="Africa/Lagos">Nigeria — Lagos</option>' in page
    assert '<option value="America/Buenos_Aires" selected>Argentina — Buenos Aires</option>' in (
        page
    )
    assert "US/Pacific" not in page


def test_a_member_edits_their_profile(member, client_for):
    response = client_for(member).post(reverse("accounts:profile"), _form())

    assert response["Location"] == reverse("accounts:profile")
    member.refresh_from_db()
    assert member.institution == "Ministerio Público Fiscal"
    assert member.languages == ["es", "en"]
    assert member.preferred_language == "es"
    assert member.time_zone == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, b"Select a valid choice"),
        ({"state": "XX"}, b"Select a valid choice"),
        ({"languages": ["es", "klingon"]}, b"Select a valid choice. klingon is not one"),
        ({"preferred_language": "de"}, b"Select a valid choice"),
        ({"display_name": ""}, b"This field is required."),
    ],
)
def test_bad_profile_values_are_refused(member, client_for, changes, message):
    response = client_for(member).post(reverse("accounts:profile"), _form(**changes))

    assert response.status_code == 400
    assert message in response.content
    member.refresh_from_db()
    assert member.institution == ""
