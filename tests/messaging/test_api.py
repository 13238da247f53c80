"""The REST API: same rules and error codes as the socket."""

import base64
import uuid

import pytest

from messaging import merkle
from messaging.models import Attachment, Message, RoomEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def url(room, tail=""):
    return f"/api/v1/rooms/{room.pk}/{tail}"


def post_json(client, path, data, method="post"):
    return getattr(client, method)(path, data, content_type="application/json")


def send(client, room, thread, body="hello", **fields):
    fields.setdefault("client_id", str(uuid.uuid4()))
    return post_json(
        client, url(room, "messages/"), {"thread": str(thread.pk), "body": body, **fields}
    )


def test_it_requires_a_verified_session(client, case_room, member):
    assert client.get("/api/v1/rooms/").status_code in (401, 403)
    client.force_login(member)  # password only, no second factor
    assert client.get("/api/v1/rooms/").status_code == 401


def test_the_room_list_has_unread_counts(client_for, case_room, thread, member, counterpart):
    sender, reader = client_for(member), client_for(counterpart)
    for i in range(3):
        assert send(sender, case_room, thread, f"m{i}").status_code == 201
    rooms = reader.get("/api/v1/rooms/").json()["rooms"]
    assert [(r["id"], r["unread"]) for r in rooms] == [(str(case_room.pk), 3)]
    head = rooms[0]["head"]
    assert post_json(reader, url(case_room, "read/"), {"seq": head}).json()["seq"] == head
    assert reader.get("/api/v1/rooms/").json()["rooms"][0]["unread"] == 0
    assert sender.get("/api/v1/rooms/").json()["rooms"][0]["unread"] == 0


@pytest.mark.parametrize("persona", ["coordinator", "other_network_member", "suspended_member"])
def test_others_get_404_for_every_room_endpoint(request, client_for, case_room, thread, persona):
    client = client_for(request.getfixturevalue(persona))
    for path in ("", "threads/", "events/", "log/checkpoint/", "log/proof/1/"):
        response = client.get(url(case_room, path))
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_room"
    assert send(client, case_room, thread).status_code == 404
    assert client.get(f"/api/v1/rooms/{uuid.uuid4()}/").json()["error"]["code"] == "unknown_room"
    assert client.get("/api/v1/rooms/").json()["rooms"] == []
    assert not Message.objects.exists()


def test_create_a_case_room_with_a_counterpart(client_for, member, counterpart, tipp):
    response = post_json(
        client_for(member),
        "/api/v1/rooms/",
        {"kind": "case", "title": "Op Tide", "network": "tipp", "participants": [counterpart.pk]},
    )
    assert response.status_code == 201
    roles = {(p["user"], p["role"]) for p in response.json()["participants"]}
    assert roles == {(member.pk, "owner"), (counterpart.pk, "participant")}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"kind": "case", "network": "tipp"}, "missing_field"),
        ({"kind": "club", "title": "x"}, "invalid_field"),
        ({"kind": "case", "title": "x", "network": "nope"}, "invalid_field"),
        ({"kind": "case", "title": "x", "participants": [999999]}, "invalid_field"),
        ({"kind": "case", "title": "x", "participants": "everyone"}, "invalid_field"),
        ({"kind": "network", "title": "x", "network": "tipp"}, "forbidden"),
    ],
)
def test_bad_room_creation_is_refused(client_for, member, tipp, data, code):
    response = post_json(client_for(member), "/api/v1/rooms/", data)
    assert response.json()["error"]["code"] == code
    assert response.status_code in (400, 403)


def test_owners_add_and_remove_participants(
    client_for, case_room, member, counterpart, make_user, make_membership, tipp
):
    newcomer = make_user()
    make_membership(newcomer, tipp)
    denied = post_json(
        client_for(counterpart), url(case_room, "participants/"), {"user": newcomer.pk}
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    owner = client_for(member)
    assert (
        post_json(owner, url(case_room, "participants/"), {"user": newcomer.pk}).status_code == 201
    )
    assert client_for(newcomer).get(url(case_room)).status_code == 200
    assert owner.delete(url(case_room, f"participants/{newcomer.pk}/")).status_code == 204
    assert client_for(newcomer).get(url(case_room)).status_code == 404


def test_threads_and_tag_search_across_readable_rooms(
    client_for, case_room, member, other_network_member
):
    client = client_for(member)
    created = post_json(
        client,
        url(case_room, "threads/"),
        {"title": "Finances", "tags": [{"kind": "case_number", "state": "es", "value": "77/2024"}]},
    )
    assert created.status_code == 201
    found = client.get("/api/v1/threads/", {"tag": "77 2024", "state": "ES"}).json()["threads"]
    assert [t["id"] for t in found] == [created.json()["id"]]
    assert client_for(other_network_member).get("/api/v1/threads/", {"tag": "77/2024"}).json() == {
        "threads": []
    }
    bad = post_json(client, url(case_room, "threads/"), {"title": "", "tags": []})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "title"


def test_history_pages_with_after_and_limit(client_for, case_room, thread, member):
    client = client_for(member)
    for i in range(4):
        send(client, case_room, thread, f"m{i}")
    first = client.get(url(case_room, "events/"), {"after": 0, "limit": 3}).json()
    assert [e["seq"] for e in first["events"]] == [1, 2, 3] and first["more"]
    rest = client.get(url(case_room, "events/"), {"after": 3, "limit": 500}).json()
    assert rest["events"][-1]["seq"] == rest["head"] and not rest["more"]
    for limit in ("0", "501", "x"):
        response = client.get(url(case_room, "events/"), {"limit": limit})
        assert response.status_code == 400 and response.json()["error"]["field"] == "limit"


def test_post_is_idempotent_and_conflicts_on_another_body(client_for, case_room, thread, member):
    client = client_for(member)
    client_id = str(uuid.uuid4())
    first = send(client, case_room, thread, "once", client_id=client_id)
    again = send(client, case_room, thread, "once", client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] and again.json()["seq"] == first.json()["seq"]
    conflict = send(client, case_room, thread, "twice", client_id=client_id)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "client_id_conflict"
    big = send(client, case_room, thread, "x" * 20001)
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
    malformed = client.post(url(case_room, "messages/"), "{oops", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_json"
    assert Message.objects.count() == 1


def test_edit_and_delete_through_the_api(client_for, case_room, thread, member, counterpart):
    client = client_for(member)
    message_id = send(client, case_room, thread, "draft").json()["message"]
    path = url(case_room, f"messages/{message_id}/")
    assert post_json(client_for(counterpart), path, {"body": "x"}, "patch").status_code == 403
    edited = post_json(client, path, {"body": "final"}, "patch").json()
    assert edited["body"] == "final" and edited["edited_at"]
    assert client.delete(path).status_code == 204
    events = client.get(url(case_room, "events/")).json()["events"]
    assert events[-1]["kind"] == "message.deleted" and events[-1]["data"]["body"] is None


def test_attachments_upload_and_download_safely(client_for, case_room, thread, member, counterpart):
    client = client_for(member)
    message_id = send(client, case_room, thread, "see file").json()["message"]
    upload_path = url(case_room, f"messages/{message_id}/attachments/")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(upload_path, {"file": SimpleUploadedFile("report.pdf", PDF)})
    assert response.status_code == 201 and response.json()["content_type"] == "application/pdf"
    download = client_for(counterpart).get(url(case_room, f"attachments/{response.json()['id']}/"))
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox"
    html = SimpleUploadedFile("page.pdf", b"\x00<html><script>alert(1)</script>")
    refused = client.post(upload_path, {"file": html})
    assert refused.status_code == 415 and refused.json()["error"]["code"] == "unsupported_file_type"
    assert Attachment.objects.count() == 1


def test_an_oversized_file_is_refused(client_for, case_room, thread, member, settings):
    settings.COUNTERPART_ATTACHMENT_MAX_BYTES = 10
    client = client_for(member)
    message_id = send(client, case_room, thread).json()["message"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url(case_room, f"messages/{message_id}/attachments/"),
        {"file": SimpleUploadedFile("a.txt", b"a" * 11)},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"


def test_checkpoint_and_inclusion_proof_verify(client_for, case_room, thread, member):
    client = client_for(member)
    seq = send(client, case_room, thread, "evidence").json()["seq"]
    checkpoint = client.get(url(case_room, "log/checkpoint/")).json()
    opened = merkle.open_checkpoint(checkpoint["checkpoint"], merkle.known_public_keys())
    proof = client.get(url(case_room, f"log/proof/{seq}/")).json()
    assert merkle.verify_inclusion(
        seq - 1,
        opened.size,
        merkle.leaf_hash(proof["entry"].encode()),
        [base64.b64decode(node) for node in proof["proof"]],
        opened.root,
    )
    assert RoomEvent.objects.get(room=case_room, seq=seq).leaf_hash == proof["leaf_hash"]
    beyond = client.get(url(case_room, f"log/proof/{opened.size + 1}/"))
    assert beyond.status_code == 400
