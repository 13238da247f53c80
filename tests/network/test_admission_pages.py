"""Admission paths on the pages and in the API: the application form adapts to the
network's path, a designation letter is refused unless a PDF or an image, and coordinators
read it (a download, in the audit log)."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from network.audit.models import AuditEvent
from network.models import Membership
from network.vetting import admission

PDF = b"%PDF-1.7\n% a designation letter\n"


@pytest.fixture
def designating(tipp):
    tipp.admission = "designation"
    tipp.save()
    return tipp


def letter(content=PDF, name="letter.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def application(**extra):
    return {
        "institution": "Ministry of Justice",
        "position": "Central authority",
        "statement": "Designated by my state.",
        **extra,
    }


def test_the_form_asks_what_the_networks_path_needs(client_for, outsider, tipp):
    client = client_for(outsider)
    assert 'name="declaration"' not in client.get("/networks/tipp/apply/").content.decode()
    tipp.admission = "declaration"
    tipp.save()
    page = client.get("/networks/tipp/apply/").content.decode()
    assert 'name="declaration"' in page and 'name="designation_letter"' not in page
    tipp.admission = "designation"
    tipp.save()
    page = client.get("/networks/tipp/apply/").content.decode()
    assert 'name="designation_letter"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="seat_state"' in page and 'value="central_authority"' in page


def test_a_letter_that_is_not_a_pdf_or_an_image_is_refused_on_the_page(
    client_for, make_user, designating
):
    applicant = make_user(state="NG")
    response = client_for(applicant).post(
        "/networks/tipp/apply/",
        application(
            seat_state="NG",
            seat_role="central_authority",
            designation_letter=letter(b"<html>", "letter.html", "text/html"),
        ),
    )
    assert response.status_code == 400
    assert "must be a PDF or an image" in response.content.decode()
    assert not Membership.objects.filter(user=applicant).exists()


def test_a_coordinator_reads_the_letter_and_others_may_not(
    client_for, make_user, coordinator, member, designating
):
    applicant = make_user(state="NG")
    response = client_for(applicant).post(
        "/networks/tipp/apply/",
        application(seat_state="NG", seat_role="central_authority", designation_letter=letter()),
    )
    assert response.status_code == 302, response.content
    membership = Membership.objects.get(user=applicant)
    url = f"/networks/tipp/memberships/{membership.pk}/letter/"
    queue = client_for(coordinator).get("/networks/tipp/queue/").content.decode()
    assert url in queue
    download = client_for(coordinator).get(url)
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="membership.letter_read", actor=coordinator).exists()
    assert client_for(member).get(url).status_code == 403
    assert url not in client_for(member).get("/networks/tipp/applications/").content.decode()


def post(client, data):
    return client.post("/api/v1/networks/tipp/apply/", data, content_type="application/json")


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"seat_state": "FR", "seat_role": "central_authority"}, "unknown_seat"),
        ({"seat_state": "NG", "seat_role": "central_authority"}, "letter_required"),
        (
            {
                "seat_state": "NG",
                "seat_role": "central_authority",
                "designation_letter": "not base64!",
                "designation_letter_type": "application/pdf",
            },
            "letter_type",
        ),
        (
            {
                "seat_state": "NG",
                "seat_role": "central_authority",
                "designation_letter": base64.b64encode(b"GIF89a").decode(),
                "designation_letter_type": "image/gif",
            },
            "letter_type",
        ),
    ],
)
def test_a_bad_designation_in_the_api_is_a_clear_400(
    client_for, make_user, designating, extra, code
):
    applicant = make_user(state="NG")
    response = post(client_for(applicant), application(**extra))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert not Membership.objects.filter(user=applicant).exists()


def test_a_designation_through_the_api(client_for, make_user, designating):
    applicant = make_user(state="NG")
    response = post(
        client_for(applicant),
        application(
            seat_state="NG",
            seat_role="judge_prosecutor",
            designation_letter=base64.b64encode(PDF).decode(),
            designation_letter_type="application/pdf",
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["seat_state"], body["seat_role"]) == (
        "endorsed",
        "NG",
        "judge_prosecutor",
    )
    assert body["letter_checked_at"] is None


# --- The API with a multipart body, and the coordinators' download ------------------------

APPLY = "/api/v1/networks/tipp/apply/"
SEAT = {"seat_state": "NG", "seat_role": "central_authority"}


def upload(client, data):
    """A multipart/form-data application, as the application page sends it."""
    return client.post(APPLY, data)


def test_a_designation_through_the_api_as_multipart(client_for, make_user, designating):
    applicant = make_user(state="NG")
    response = upload(client_for(applicant), application(**SEAT, designation_letter=letter()))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["seat_state"], body["seat_role"]) == (
        "endorsed",
        "NG",
        "central_authority",
    )
    membership = Membership.objects.get(user=applicant)
    assert membership.letter_content_type == "application/pdf"
    assert PDF not in bytes(membership.letter_sealed), "stored sealed"
    assert admission.open_letter(membership) == PDF


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        (
            {**SEAT, "designation_letter": letter(b"<html>", "letter.html", "text/html")},
            "letter_type",
            "designation_letter",
        ),
        (
            # Declared a PNG, but the content is a PDF: the type and the content must agree.
            {**SEAT, "designation_letter": letter(PDF, "letter.png", "image/png")},
            "letter_type",
            "designation_letter",
        ),
        (
            {
                **SEAT,
                "designation_letter": letter(
                    PDF + b"\0" * (admission.MAX_LETTER_BYTES + 1 - len(PDF))
                ),
            },
            "letter_type",
            "designation_letter",
        ),
        (SEAT, "letter_required", "designation_letter"),
        ({"seat_state": "FR", "seat_role": "central_authority"}, "unknown_seat", "seat"),
        ({**SEAT, "designation_letter": "not a file"}, "invalid_field", "designation_letter"),
        ({**SEAT, "designation_letter_type": "application/pdf"}, "unknown_field", None),
    ],
    ids=[
        "wrong-type",
        "type-and-content-disagree",
        "too-big",
        "no-letter",
        "unknown-seat",
        "not-a-file",
        "type-field",
    ],
)
def test_a_bad_multipart_designation_is_refused_and_writes_nothing(
    client_for, make_user, designating, extra, code, field
):
    applicant = make_user(state="NG")
    response = upload(client_for(applicant), application(**extra))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field is None or error["field"] == field
    assert not Membership.objects.filter(user=applicant).exists()


def test_the_api_refuses_a_letter_too_big_with_the_pages_message(
    client_for, make_user, designating
):
    applicant = make_user(state="NG")
    big = PDF + b"\0" * admission.MAX_LETTER_BYTES
    response = upload(client_for(applicant), application(**SEAT, designation_letter=letter(big)))
    assert response.status_code == 400
    assert "larger than 5 MB" in response.json()["error"]["message"]
    page = client_for(applicant).post(
        "/networks/tipp/apply/", application(**SEAT, designation_letter=letter(big))
    )
    assert page.status_code == 400 and "larger than 5 MB" in page.content.decode()


@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_a_network_not_admitting_by_designation_takes_no_letter(
    client_for, make_user, tipp, encoding
):
    """TIPP admits by sponsorship here: a seat or a letter is refused, not stored."""
    applicant = make_user(state="NG")
    if encoding == "multipart":
        response = upload(client_for(applicant), application(**SEAT, designation_letter=letter()))
    else:
        response = post(
            client_for(applicant),
            application(
                **SEAT,
                designation_letter=base64.b64encode(PDF).decode(),
                designation_letter_type="application/pdf",
            ),
        )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "not_by_designation"
    assert not Membership.objects.filter(user=applicant).exists()


@pytest.fixture
def designated(client_for, make_user, designating):
    applicant = make_user(state="NG")
    response = upload(client_for(applicant), application(**SEAT, designation_letter=letter()))
    assert response.status_code == 201, response.content
    return Membership.objects.get(user=applicant)


def letter_url(membership) -> str:
    return f"/api/v1/networks/{membership.network.slug}/memberships/{membership.pk}/letter/"


def test_a_coordinator_downloads_the_letter_through_the_api(client_for, coordinator, designated):
    download = client_for(coordinator).get(letter_url(designated))
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="designation-letter-{designated.pk}.pdf"'
    )
    assert "no-store" in download["Cache-Control"].replace(" ", "").split(",")
    read = AuditEvent.objects.get(action="membership.letter_read")
    assert read.actor == coordinator


def test_nobody_but_the_networks_coordinators_finds_the_letter(
    client_for,
    designated,
    member,
    other_network_member,
    outsider,
    make_user,
    make_membership,
    redtram,
):
    other_coordinator = make_user("coordinator@redtram.example.org")
    make_membership(other_coordinator, redtram, role="coordinator")
    applicant = designated.user
    for user in (applicant, member, other_network_member, outsider, other_coordinator):
        response = client_for(user).get(letter_url(designated))
        assert response.status_code == 404, user
        assert response.json()["error"]["code"] == "unknown_item"
        assert PDF not in response.content
    assert not AuditEvent.objects.filter(action="membership.letter_read").exists()


def test_no_letter_is_a_404_for_the_coordinator_too(
    client_for, coordinator, make_user, make_membership, tipp
):
    """An application to a network admitting by sponsorship has no letter."""
    applicant = make_user(state="NG")
    membership = make_membership(applicant, tipp, status="applicant")
    response = client_for(coordinator).get(letter_url(membership))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "unknown_item")
    missing = f"/api/v1/networks/tipp/memberships/{membership.pk + 1000}/letter/"
    assert client_for(coordinator).get(missing).status_code == 404
    assert not AuditEvent.objects.filter(action="membership.letter_read").exists()


def test_the_letter_download_takes_the_networks_coordinator_factor(
    client_for, coordinator, designated
):
    """Where coordinators must use a security key, a TOTP session is refused (403)."""
    network = designated.network
    network.coordinators_require_webauthn = True
    network.save()
    response = client_for(coordinator).get(letter_url(designated))
    assert (response.status_code, response.json()["error"]["code"]) == (403, "webauthn_required")
    assert client_for(coordinator, method="webauthn").get(letter_url(designated)).content == PDF
