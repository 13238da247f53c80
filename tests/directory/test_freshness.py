"""Keeping entries fresh: confirm or correct in one step, coordinators ask for
re-confirmation, members report wrong entries; every change is on record."""

import pytest

from directory.models import (
    ContactPoint,
    ContactPointChange,
    DirectoryCorrespondent,
    WrongEntryReport,
)
from network.audit.models import AuditEvent

from .conftest import backdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_entry(make_contact_point, member):
    """The member's own entry, last verified long ago."""
    return make_contact_point(
        "Mateo Member", member=member, phone="+576014001000", verified_days_ago=400
    )


def correction(**changes):
    data = {
        "action": "correct",
        "name": "Mateo Member",
        "position": "Fiscal",
        "phone": "+576014001000",
        "email": "contact@example.org",
        "availability": "office_hours",
        "office_hours": "Mon-Fri 09:00-17:00",
        "time_zone": "America/Argentina/Buenos_Aires",
        "how_to_reach": "",
        "request_languages": "es;en",
        "formal_requirements": "",
        "required_channel": "",
        "competences": ["tip.specialized_prosecution"],
        "languages": "es:native",
    }
    data.update(changes)
    return data


def test_a_linked_member_confirms_their_entry_in_one_step(own_entry, member, client_for):
    assert own_entry.stale
    response = client_for(member).post(
        f"/directory/contact-points/{own_entry.pk}/confirm/", {"action": "confirm"}
    )
    assert response.status_code == 302
    own_entry.refresh_from_db()
    assert not own_entry.stale and own_entry.verified_by == member
    change = own_entry.changes.first()
    assert (change.kind, change.actor) == (ContactPointChange.Kind.CONFIRMED, member)
    assert AuditEvent.objects.filter(action="directory.contact_point.confirmed").exists()


def test_a_linked_member_corrects_their_entry_in_one_step(own_entry, member, client_for):
    response = client_for(member).post(
        f"/directory/contact-points/{own_entry.pk}/confirm/",
        correction(
            phone="+576014002000", competences=["tip.specialized_prosecution", "jit.authorize"]
        ),
    )
    assert response.status_code == 302
    own_entry.refresh_from_db()
    assert own_entry.phone == "+576014002000" and not own_entry.stale
    assert own_entry.competence_codes == ["jit.authorize", "tip.specialized_prosecution"]
    change = own_entry.changes.first()
    assert change.kind == ContactPointChange.Kind.CORRECTED
    assert change.changes["phone"] == ["+576014001000", "+576014002000"]
    assert "competences" in change.changes


def test_a_bad_correction_is_refused_and_changes_nothing(own_entry, member, client_for):
    response = client_for(member).post(
        f"/directory/contact-points/{own_entry.pk}/confirm/",
        correction(phone="12345", time_zone="Nowhere/City", competences=["bogus"]),
    )
    assert response.status_code == 400
    assert {"time_zone", "competences"} <= set(response.context["form"].errors)
    assert "Nowhere/City" in response.content.decode()
    own_entry.refresh_from_db()
    assert own_entry.phone == "+576014001000" and own_entry.stale


def test_the_api_corrects_and_reports_field_errors(own_entry, member, client_for):
    client = client_for(member)
    url = f"/api/v1/directory/contact-points/{own_entry.pk}/correct/"
    bad = client.post(url, {"email": "not-an-email"}, content_type="application/json")
    assert bad.status_code == 400 and "email" in bad.json()["error"]["fields"]
    good = client.post(
        url,
        {"position": "Fiscal General", "languages": ["es:native", "en:fluent"]},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert good.json()["position"] == "Fiscal General" and good.json()["stale"] is False
    assert {lang["code"] for lang in good.json()["languages"]} == {"es", "en"}


def test_it_requires_the_linked_member_a_coordinator_or_a_correspondent(
    make_contact_point, other_network_member, outsider, member, client_for
):
    entry = make_contact_point("Someone Else")
    for user in (member, other_network_member, outsider):
        client = client_for(user)
        assert (
            client.post(
                f"/directory/contact-points/{entry.pk}/confirm/", {"action": "confirm"}
            ).status_code
            == 403
        )
        assert (
            client.post(f"/api/v1/directory/contact-points/{entry.pk}/confirm/").status_code == 403
        )


def test_a_coordinator_and_a_correspondent_may_confirm(
    make_contact_point, coordinator, member, tipp, client_for
):
    entry = make_contact_point("Someone Else", verified_days_ago=400)
    assert (
        client_for(coordinator)
        .post(f"/api/v1/directory/contact-points/{entry.pk}/confirm/")
        .status_code
        == 200
    )
    DirectoryCorrespondent.objects.create(network=tipp, state="CO", member=member)
    backdate(entry, 400)
    response = client_for(member).post(f"/api/v1/directory/contact-points/{entry.pk}/confirm/")
    assert response.status_code == 200 and response.json()["stale"] is False


def test_a_suspended_linked_member_cannot_confirm(make_contact_point, suspended_member, client_for):
    entry = make_contact_point("Sam Suspended", member=suspended_member)
    assert (
        client_for(suspended_member)
        .post(f"/api/v1/directory/contact-points/{entry.pk}/confirm/")
        .status_code
        == 403
    )


def test_a_coordinator_sees_the_stale_entries_of_the_network(
    make_contact_point, coordinator, redtram, client_for
):
    make_contact_point("Stale Tipp", verified_days_ago=400)
    make_contact_point("Fresh Tipp")
    make_contact_point("Stale Redtram", networks=[redtram], verified_days_ago=400)
    client = client_for(coordinator)
    page = client.get("/directory/networks/tipp/stale/").content.decode()
    assert "Stale Tipp" in page and "Fresh Tipp" not in page and "Stale Redtram" not in page
    api = client.get("/api/v1/directory/networks/tipp/stale/").json()
    assert [e["name"] for e in api["results"]] == ["Stale Tipp"]
    assert api["results"][0]["stale"] is True


def test_the_stale_page_requires_a_coordinator(member, client_for):
    assert client_for(member).get("/directory/networks/tipp/stale/").status_code == 403
    assert client_for(member).get("/api/v1/directory/networks/tipp/stale/").status_code == 403
    assert client_for(member).get("/directory/networks/nope/stale/").status_code == 404


def test_a_coordinator_asks_for_reconfirmation_by_email(
    own_entry,
    coordinator,
    member,
    make_user,
    make_membership,
    tipp,
    client_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    correspondent = make_user("corr@example.org")
    make_membership(correspondent, tipp)
    DirectoryCorrespondent.objects.create(network=tipp, state="CO", member=correspondent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            f"/api/v1/directory/networks/tipp/stale/{own_entry.pk}/reconfirm/"
        )
    assert response.status_code == 200
    assert response.json()["recipients"] == ["member@example.org", "corr@example.org"]
    (mail,) = mailoutbox
    assert mail.to == ["member@example.org", "corr@example.org"]
    # An absolute link, from the configured origin.
    assert f"http://127.0.0.1:8000/directory/contact-points/{own_entry.pk}/confirm/" in mail.body
    own_entry.refresh_from_db()
    assert own_entry.reconfirmation_requested_at is not None
    assert own_entry.changes.first().kind == ContactPointChange.Kind.RECONFIRMATION_REQUESTED


def test_reconfirmation_needs_someone_to_ask(make_contact_point, coordinator, client_for):
    orphan = make_contact_point("Desk", kind="desk", email="", phone="+573001112222")
    response = client_for(coordinator).post(
        f"/api/v1/directory/networks/tipp/stale/{orphan.pk}/reconfirm/"
    )
    assert response.status_code == 400
    assert "no one to ask" in response.json()["error"]["message"]


def test_reconfirmation_only_for_entries_of_the_network(
    make_contact_point, coordinator, redtram, client_for
):
    other = make_contact_point("Other", networks=[redtram])
    response = client_for(coordinator).post(
        f"/api/v1/directory/networks/tipp/stale/{other.pk}/reconfirm/"
    )
    assert response.status_code == 400
    assert "does not serve" in response.json()["error"]["message"]


def test_reconfirmation_requires_a_coordinator(own_entry, member, client_for):
    response = client_for(member).post(
        f"/api/v1/directory/networks/tipp/stale/{own_entry.pk}/reconfirm/"
    )
    assert response.status_code == 403


def test_a_member_reports_a_wrong_entry_and_coordinators_are_told(
    make_contact_point,
    member,
    coordinator,
    client_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    entry = make_contact_point("Retired Prosecutor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"/directory/contact-points/{entry.pk}/report/", {"reason": "Retired in March."}
        )
    assert response.status_code == 302
    report = WrongEntryReport.objects.get()
    assert (report.reporter, report.reason, report.is_open) == (member, "Retired in March.", True)
    assert mailoutbox[0].to == ["coordinator@example.org"]
    page = client_for(coordinator).get("/directory/networks/tipp/stale/").content.decode()
    assert "Retired in March." in page


def test_a_report_needs_a_reason(make_contact_point, member, client_for):
    entry = make_contact_point("Someone")
    page = client_for(member).post(
        f"/directory/contact-points/{entry.pk}/report/", {"reason": "  "}
    )
    assert page.status_code == 400
    api = client_for(member).post(
        f"/api/v1/directory/contact-points/{entry.pk}/report/", {"reason": ""}
    )
    assert api.status_code == 400 and "reason" in api.json()["error"]["fields"]
    assert WrongEntryReport.objects.count() == 0


@pytest.mark.parametrize("persona", ["outsider", "applicant", "suspended_member"])
def test_only_active_members_may_report(persona, request, make_contact_point, client_for):
    entry = make_contact_point("Someone")
    client = client_for(request.getfixturevalue(persona))
    assert (
        client.post(
            f"/api/v1/directory/contact-points/{entry.pk}/report/", {"reason": "x"}
        ).status_code
        == 403
    )
    assert client.get(f"/directory/contact-points/{entry.pk}/report/").status_code == 403
    assert WrongEntryReport.objects.count() == 0


def test_a_coordinator_resolves_a_report(make_contact_point, member, coordinator, client_for):
    entry = make_contact_point("Someone")
    client_for(member).post(
        f"/api/v1/directory/contact-points/{entry.pk}/report/", {"reason": "Moved."}
    )
    report = WrongEntryReport.objects.get()
    client = client_for(coordinator)
    url = f"/directory/networks/tipp/reports/{report.pk}/resolve/"
    client.post(url, {"resolution": ""})
    report.refresh_from_db()
    assert report.is_open
    client.post(url, {"resolution": "Entry corrected."})
    report.refresh_from_db()
    assert (report.is_open, report.resolved_by) == (False, coordinator)
    assert entry.changes.first().kind == ContactPointChange.Kind.REPORT_RESOLVED


def test_a_coordinator_appoints_a_correspondent(coordinator, member, outsider, client_for):
    client = client_for(coordinator)
    client.post(
        "/directory/networks/tipp/correspondents/", {"state": "ES", "email": "member@example.org"}
    )
    assert DirectoryCorrespondent.objects.get(state="ES").member == member
    client.post(
        "/directory/networks/tipp/correspondents/", {"state": "NG", "email": "outsider@example.org"}
    )
    client.post(
        "/directory/networks/tipp/correspondents/", {"state": "FR", "email": "member@example.org"}
    )
    assert DirectoryCorrespondent.objects.count() == 1


def test_every_change_is_on_the_entry_history(own_entry, member, client_for):
    client = client_for(member)
    client.post(f"/directory/contact-points/{own_entry.pk}/confirm/", {"action": "confirm"})
    client.post(
        f"/directory/contact-points/{own_entry.pk}/confirm/", correction(position="Fiscal Jefe")
    )
    kinds = list(own_entry.changes.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "confirmed", "corrected"]
    card = client.get(f"/directory/contact-points/{own_entry.pk}/").content.decode()
    assert "corrected" in card and "position" in card
    assert ContactPoint.objects.get(pk=own_entry.pk).position == "Fiscal Jefe"


def test_a_resolved_report_stays_resolved_as_first_recorded(
    make_contact_point, member, coordinator, client_for
):
    entry = make_contact_point("Someone")
    client_for(member).post(
        f"/api/v1/directory/contact-points/{entry.pk}/report/", {"reason": "Moved."}
    )
    report = WrongEntryReport.objects.get()
    client = client_for(coordinator)
    url = f"/directory/networks/tipp/reports/{report.pk}/resolve/"
    client.post(url, {"resolution": "Corrected."})
    response = client.post(url, {"resolution": "Again."}, follow=True)
    assert "This report is already resolved." in response.content.decode()
    report.refresh_from_db()
    assert report.resolution == "Corrected."


def test_a_member_of_another_network_cannot_resolve(
    make_contact_point, member, client_for, make_user, make_membership, redtram
):
    entry = make_contact_point("Someone")
    client_for(member).post(
        f"/api/v1/directory/contact-points/{entry.pk}/report/", {"reason": "Moved."}
    )
    other_coordinator = make_user("redcoord@example.org")
    make_membership(other_coordinator, redtram, role="coordinator")
    report = WrongEntryReport.objects.get()
    response = client_for(other_coordinator).post(
        f"/directory/networks/tipp/reports/{report.pk}/resolve/", {"resolution": "x"}
    )
    assert response.status_code == 403
    assert WrongEntryReport.objects.get().is_open
