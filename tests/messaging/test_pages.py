"""The room pages through the Django test client: who may see what, every form's bad input,
and that nothing a member writes can inject markup."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory import actions as directory_actions
from messaging import actions, crypto, posting
from messaging.models import Attachment, CaseTag, Message, ReadMarker, Room, RoomParticipant, Thread
from network.models import Membership

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def room_url(room, thread=None):
    url = reverse("messaging:room", args=[room.pk])
    return f"{url}?thread={thread.pk}" if thread else url


def composer_data(for_thread, /, **fields):
    data = {
        "thread": str(for_thread.pk),
        "client_id": str(uuid.uuid4()),
        "body": "The recruiter uses a second passport.",
        "handling": "H0",
        "handling_note": "",
        "evaluation": "",
        "reply_to": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def bystander(make_user, make_membership, tipp):
    """An active TIPP member who is not in the case room."""
    user = make_user("bystander@example.org", display_name="Bea Bystander")
    make_membership(user, tipp)
    return user


# --- Room list -------------------------------------------------------------------------------


def test_the_room_list_shows_the_rooms_a_member_reads_with_unread_counts(
    client_for, member, counterpart, case_room, thread, post, bystander, tipp
):
    """Unread counts messages from others after the read marker; one's own do not count."""
    actions.create_room(kind="case", creator=bystander, title="Not yours", network=tipp)
    post(counterpart, "first")
    post(counterpart, "second")
    post(member, "mine")
    response = client_for(member).get(reverse("messaging:room_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Operation Lantern" in html
    assert "Not yours" not in html
    room = response.context["rooms"][0]
    assert (room.unread, room.participant_count) == (2, 2)
    assert room.last_activity is not None


def test_opening_the_room_moves_the_read_marker_to_the_head(
    client_for, member, counterpart, case_room, thread, post
):
    post(counterpart, "first")
    client = client_for(member)
    client.get(room_url(case_room))
    case_room.refresh_from_db()
    assert ReadMarker.objects.get(room=case_room, user=member).seq == case_room.head_seq
    assert client.get(reverse("messaging:room_list")).context["rooms"][0].unread == 0


def test_the_room_list_costs_the_same_queries_for_many_rooms(client_for, member, counterpart, tipp):
    """Unread counts, participants and last activity come in one query, not one per room
    (and the unseen case notices in one more)."""

    def add_rooms(count: int) -> None:
        for number in range(count):
            room = actions.create_room(
                kind="case",
                creator=counterpart,
                title=f"Case {number}",
                network=tipp,
                participants=[member],
            )
            topic = actions.create_thread(room=room, creator=counterpart, title="Topic")
            posting.post_message(
                room=room, sender=counterpart, thread=topic, client_id=uuid.uuid4(), body="news"
            )

    def queries_of_the_list() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("messaging:room_list"))
        return len(captured), response.context["rooms"]

    client = client_for(member)
    add_rooms(1)
    client.get(reverse("messaging:room_list"))  # warm the session
    with_one, _ = queries_of_the_list()
    add_rooms(7)
    with_eight, rooms = queries_of_the_list()

    assert with_eight == with_one <= 9
    assert [room.unread for room in rooms] == [1] * 8


def test_a_suspended_member_is_refused_the_room_pages(
    client_for, suspended_member, case_room, make_membership, tipp
):
    client = client_for(suspended_member)
    response = client.get(reverse("messaging:room_list"))
    assert response.status_code == 403
    assert "not active" in response.content.decode()
    assert client.get(reverse("messaging:new_room")).status_code == 403
    assert client.get(room_url(case_room)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, case_room):
    response = client.get(room_url(case_room))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


# --- Access to one room ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["bystander", "coordinator", "other_network_member"])
def test_a_room_is_not_found_for_anyone_but_its_participants(
    request, client_for, case_room, thread, persona
):
    """A TIPP member outside the room, a TIPP coordinator, a member of another network."""
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(room_url(case_room)).status_code == 404
    assert client.get(room_url(case_room, thread)).status_code == 404
    response = client.post(
        reverse("messaging:post_message", args=[case_room.pk]), composer_data(thread)
    )
    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_a_participant_whose_membership_is_suspended_loses_the_room(
    client_for, counterpart, case_room, thread, member, make_membership, redtram
):
    make_membership(counterpart, redtram)  # still active elsewhere, so the pages open
    client = client_for(counterpart)
    assert client.get(room_url(case_room)).status_code == 200
    Membership.objects.filter(user=counterpart, network__slug="tipp").update(status="suspended")
    assert client.get(room_url(case_room)).status_code == 404


def test_an_unknown_thread_is_not_found(client_for, member, case_room, thread):
    response = client_for(member).get(f"{room_url(case_room)}?thread={uuid.uuid4()}")
    assert response.status_code == 404
    response = client_for(member).get(f"{room_url(case_room)}?thread=not-a-uuid")
    assert response.status_code == 404


def test_the_room_page_has_a_strict_content_security_policy(client_for, member, case_room):
    response = client_for(member).get(room_url(case_room))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert '<script type="module" src="/static/messaging/room.js">' in html
    assert "<script>" not in html


# --- New room --------------------------------------------------------------------------------


def test_a_member_opens_a_case_room_with_a_counterpart(client_for, member, counterpart, tipp):
    response = client_for(member).post(
        reverse("messaging:new_room"),
        {
            "kind": "case",
            "title": "Operation Harbour",
            "network": tipp.pk,
            "participants": [counterpart.pk],
        },
    )
    room = Room.objects.get(title="Operation Harbour")
    assert response.status_code == 302
    assert response["Location"] == room_url(room)
    roles = dict(RoomParticipant.objects.current().filter(room=room).values_list("user", "role"))
    assert roles == {member.pk: "owner", counterpart.pk: "participant"}


def test_a_member_opens_a_direct_conversation(client_for, member, counterpart):
    response = client_for(member).post(
        reverse("messaging:new_room"), {"kind": "direct", "participants": [counterpart.pk]}
    )
    assert response.status_code == 302
    assert Room.objects.get(kind="direct").participants.count() == 2


def test_a_coordinator_opens_a_network_channel_every_active_member_reads(
    client_for, coordinator, member, tipp
):
    response = client_for(coordinator).post(
        reverse("messaging:new_room"), {"kind": "network", "title": "TIPP desk", "network": tipp.pk}
    )

    room = Room.objects.get(kind="network")
    assert response.status_code == 302
    assert (room.network, room.title) == (tipp, "TIPP desk")
    assert client_for(member).get(room_url(room)).status_code == 200


def test_a_network_channel_needs_its_network(client_for, coordinator):
    response = client_for(coordinator).post(
        reverse("messaging:new_room"), {"kind": "network", "title": "Desk"}
    )

    assert response.status_code == 400
    assert "A network channel belongs to one network." in response.content.decode()
    assert Room.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "case", "title": ""}, "A case room needs a title."),
        ({"kind": "direct"}, "Choose at least one member to talk to."),
        ({"kind": "network", "title": "All"}, "Select a valid choice."),
        ({"kind": "case", "title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_new_room_input_is_refused_and_stores_nothing(client_for, member, data, message):
    response = client_for(member).post(reverse("messaging:new_room"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Room.objects.count() == 0


def test_only_members_of_a_shared_network_can_be_invited(client_for, member, other_network_member):
    """The other network's member is not offered; posting their id is refused."""
    client = client_for(member)
    assert "Olu Other" not in client.get(reverse("messaging:new_room")).content.decode()
    response = client.post(
        reverse("messaging:new_room"),
        {"kind": "case", "title": "Harbour", "participants": [other_network_member.pk]},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Room.objects.count() == 0


def test_a_room_tied_to_a_network_refuses_members_of_another_network(
    client_for, member, make_user, make_membership, tipp, redtram
):
    """The action has the last word: a shared REDTRAM colleague is not a TIPP member."""
    make_membership(member, redtram)
    colleague = make_user("colleague@example.org", display_name="Rita Redtram")
    make_membership(colleague, redtram)
    response = client_for(member).post(
        reverse("messaging:new_room"),
        {"kind": "case", "title": "Harbour", "network": tipp.pk, "participants": [colleague.pk]},
    )
    assert response.status_code == 400
    assert "is not an active member of this network" in response.content.decode()
    assert Room.objects.count() == 0


@pytest.fixture
def authority():
    return directory_actions.create_authority(
        name="Fiscalía General del Estado", kind="prosecution_service", state="ES"
    )


def make_contact_point(authority, network, **fields):
    return directory_actions.create_contact_point(
        authority=authority,
        kind="person",
        name=fields.pop("name", "Lucía Fernández"),
        competences=["tip.specialized_prosecution"],
        networks=[network],
        email="lucia@example.org",
        **fields,
    )


def test_a_contact_point_card_opens_a_room_with_its_member_invited(
    client_for, member, counterpart, authority, tipp
):
    contact_point = make_contact_point(authority, tipp, member=counterpart)
    response = client_for(member).get(
        reverse("messaging:new_room"), {"contact_point": contact_point.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].initial["participants"] == [counterpart.pk]
    html = response.content.decode()
    assert "Chidi Counterpart is invited below." in html
    assert f'value="{counterpart.pk}" id="id_participants_0" checked' in html or (
        f'value="{counterpart.pk}"' in html and "checked" in html
    )


def test_a_contact_point_without_a_member_account_says_so(client_for, member, authority, tipp):
    contact_point = make_contact_point(authority, tipp)
    response = client_for(member).get(
        reverse("messaging:new_room"), {"contact_point": contact_point.pk}
    )
    assert response.status_code == 200
    assert "has no member account linked" in response.content.decode()
    assert "participants" not in response.context["form"].initial


def test_a_contact_point_of_another_network_shows_no_member(
    client_for, member, other_network_member, authority, redtram
):
    contact_point = make_contact_point(authority, redtram, member=other_network_member)
    response = client_for(member).get(
        reverse("messaging:new_room"), {"contact_point": contact_point.pk}
    )
    assert response.status_code == 403
    assert "shown only to active members" in response.content.decode()


def test_a_bad_contact_point_parameter_is_refused(client_for, member):
    client = client_for(member)
    response = client.get(reverse("messaging:new_room"), {"contact_point": "abc"})
    assert response.status_code == 400
    assert "contact_point must be the number" in response.content.decode()
    assert client.get(reverse("messaging:new_room"), {"contact_point": "999999"}).status_code == 404


def message_contact_point(client, contact_point):
    url = reverse("messaging:new_room") + f"?contact_point={contact_point.pk}"
    return client.post(url)


def test_message_on_a_contact_point_opens_a_direct_room_at_its_composer(
    client_for, member, counterpart, authority, tipp
):
    contact_point = make_contact_point(authority, tipp, member=counterpart)
    response = message_contact_point(client_for(member), contact_point)
    room = Room.objects.get()
    thread = Thread.objects.get(room=room)
    assert response.status_code == 302
    assert response["Location"] == room_url(room, thread) + "#id_body"
    assert room.kind == Room.Kind.DIRECT and room.network_id is None
    current = RoomParticipant.objects.current().filter(room=room)
    assert {(p.user_id, p.role) for p in current} == {
        (member.pk, RoomParticipant.Role.OWNER),
        (counterpart.pk, RoomParticipant.Role.PARTICIPANT),
    }
    page = client_for(member).get(response["Location"])
    assert page.status_code == 200
    assert 'id="composer"' in page.content.decode()


def test_message_on_a_contact_point_reuses_the_direct_room_from_either_side(
    client_for, member, counterpart, authority, tipp
):
    contact_point = make_contact_point(authority, tipp, member=counterpart)
    first = message_contact_point(client_for(member), contact_point)
    again = message_contact_point(client_for(member), contact_point)
    assert again["Location"] == first["Location"]
    room = Room.objects.get()
    # The other way round: the counterpart's own "Message" on an entry linked to the member.
    mine = make_contact_point(authority, tipp, name="Maria Member", member=member)
    back = message_contact_point(client_for(counterpart), mine)
    assert back["Location"] == first["Location"]
    assert Room.objects.count() == 1 and Thread.objects.filter(room=room).count() == 1


def test_message_does_not_reuse_a_direct_room_with_a_third_person_or_one_left(
    client_for, member, counterpart, coordinator, authority, tipp
):
    with_three = actions.create_room(
        kind=Room.Kind.DIRECT, creator=member, participants=[counterpart, coordinator]
    )
    left = actions.create_room(kind=Room.Kind.DIRECT, creator=member, participants=[counterpart])
    actions.remove_participant(room=left, user=counterpart, removed_by=counterpart)
    contact_point = make_contact_point(authority, tipp, member=counterpart)
    response = message_contact_point(client_for(member), contact_point)
    room = Room.objects.exclude(pk__in=[with_three.pk, left.pk]).get()
    assert response["Location"].startswith(room_url(room))


def test_message_to_an_unreachable_member_writes_nothing_and_says_why(
    client_for, member, other_network_member, authority, tipp
):
    """The entry serves the member's network, but its linked member shares no network with
    them: back to the new-room page, which explains; no room is opened."""
    contact_point = make_contact_point(authority, tipp, member=other_network_member)
    client = client_for(member)
    response = message_contact_point(client, contact_point)
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:new_room") + (
        f"?contact_point={contact_point.pk}"
    )
    assert (
        "not an active member of a network you belong to"
        in client.get(response["Location"]).content.decode()
    )
    assert not Room.objects.exists()


def test_message_without_a_member_account_or_with_a_bad_parameter_writes_nothing(
    client_for, member, authority, tipp
):
    client = client_for(member)
    unlinked = make_contact_point(authority, tipp)
    assert message_contact_point(client, unlinked).status_code == 302
    url = reverse("messaging:new_room")
    assert client.post(url + "?contact_point=abc").status_code == 302
    assert client.get(url + "?contact_point=abc").status_code == 400
    assert not Room.objects.exists()


# --- Threads and case tags --------------------------------------------------------------------


def test_a_thread_is_opened_with_its_case_tags(client_for, member, case_room):
    response = client_for(member).post(
        reverse("messaging:create_thread", args=[case_room.pk]),
        {"title": "Money flows", "tags": "ES: DP 123/2025\nLantern\n"},
    )
    thread = Thread.objects.get(title="Money flows")
    assert response.status_code == 302
    assert response["Location"] == room_url(case_room, thread)
    tags = set(thread.tags.values_list("kind", "state", "value"))
    assert tags == {("case_number", "ES", "DP 123/2025"), ("operation", "", "Lantern")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "tags": ""}, "This field is required."),
        ({"title": "Money", "tags": "ZZ: 12/2025"}, "ZZ is not an ISO 3166-1 state code"),
        ({"title": "Money", "tags": "---"}, "a tag needs letters or digits"),
        ({"title": "Money", "tags": "\n".join(f"op {n}" for n in range(21))}, "at most 20 tags"),
    ],
)
def test_bad_thread_input_is_refused_and_stores_nothing(
    client_for, member, case_room, data, message
):
    response = client_for(member).post(
        reverse("messaging:create_thread", args=[case_room.pk]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Thread.objects.count() == 0
    assert CaseTag.objects.count() == 0


def test_the_tag_search_lists_threads_across_the_rooms_a_member_reads(
    client_for, member, counterpart, bystander, case_room, thread, tipp
):
    other_room = actions.create_room(
        kind="case", creator=member, title="Second room", network=tipp, participants=[]
    )
    actions.create_thread(
        room=other_room,
        creator=member,
        title="Same case, other angle",
        tags=[{"kind": "case_number", "state": "ES", "value": "DP-123-2025"}],
    )
    hidden = actions.create_room(kind="case", creator=bystander, title="Hidden", network=tipp)
    actions.create_thread(
        room=hidden,
        creator=bystander,
        title="Not for you",
        tags=[{"kind": "case_number", "state": "ES", "value": "DP 123/2025"}],
    )
    response = client_for(member).get(reverse("messaging:tag_search"), {"q": "es: dp 123 2025"})
    assert response.status_code == 200
    titles = {t.title for t in response.context["threads"]}
    assert titles == {"Recruitment agency", "Same case, other angle"}
    assert "Not for you" not in response.content.decode()
    operation = client_for(member).get(reverse("messaging:tag_search"), {"q": "LANTERN"})
    assert [t.title for t in operation.context["threads"]] == ["Recruitment agency"]


@pytest.mark.parametrize(("query", "message"), [("", "Enter a case number"), ("///", "letters")])
def test_a_bad_tag_search_is_refused(client_for, member, query, message):
    response = client_for(member).get(reverse("messaging:tag_search"), {"q": query})
    assert response.status_code == 400
    assert message in response.content.decode()


# --- Composer --------------------------------------------------------------------------------


def test_a_message_is_posted_from_the_composer_and_shown_with_its_handling_code(
    client_for, member, counterpart, case_room, thread
):
    data = composer_data(
        thread,
        body="Meet **Tuesday**",
        handling="H3",
        handling_note="Not to the press",
        evaluation="B2",
        confirm_handling="on",
    )
    response = client_for(member).post(reverse("messaging:post_message", args=[case_room.pk]), data)
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{room_url(case_room, thread)}#m{message.seq}"
    assert (message.handling_code, message.handling_note, message.evaluation) == (
        "H3",
        "Not to the press",
        "B2",
    )
    html = client_for(counterpart).get(room_url(case_room, thread)).content.decode()
    assert "Meet <strong>Tuesday</strong>" in html
    assert 'class="handling handling-H3"' in html
    assert "Not to the press" in html
    assert 'class="badge evaluation"' in html


def test_every_message_shows_its_handling_code(client_for, member, case_room, thread, post):
    for code in ("H0", "H1", "H2"):
        post(member, f"with {code}", handling_code=code)
    html = client_for(member).get(room_url(case_room, thread)).content.decode()
    for code in ("H0", "H1", "H2"):
        assert f'class="handling handling-{code}"' in html


def test_a_resubmitted_composer_stores_the_message_once(client_for, member, case_room, thread):
    client = client_for(member)
    data = composer_data(thread)
    url = reverse("messaging:post_message", args=[case_room.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "   "}, "Write a message."),
        ({"handling": "H3", "handling_note": ""}, "H3 needs the restriction stated."),
        ({"handling": "H9"}, "Select a valid choice."),
        ({"evaluation": "Z9"}, "Select a valid choice."),
        ({"reply_to": "42"}, "reply_to is the seq of a message in this room"),
        ({"thread": str(uuid.uuid4())}, "No such thread in this room."),
        ({"client_id": "not-a-uuid"}, "Enter a valid UUID."),
        ({"body": "x" * 20001}, "The message is over 20000 characters."),
    ],
)
def test_bad_composer_input_is_refused_and_stores_nothing(
    client_for, member, case_room, thread, fields, message
):
    response = client_for(member).post(
        reverse("messaging:post_message", args=[case_room.pk]), composer_data(thread, **fields)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Message.objects.count() == 0


def test_an_attachment_is_stored_encrypted_and_only_downloaded(
    client_for, member, counterpart, case_room, thread
):
    upload = SimpleUploadedFile("statement.pdf", PDF, content_type="text/html")
    response = client_for(member).post(
        reverse("messaging:post_message", args=[case_room.pk]),
        {**composer_data(thread), "attachment": upload},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert PDF not in bytes(attachment.content_ciphertext)
    reader = client_for(counterpart)
    html = reader.get(room_url(case_room, thread)).content.decode()
    download_url = reverse("messaging:attachment", args=[case_room.pk, attachment.pk])
    assert f'href="{download_url}" download' in html
    download = reader.get(download_url)
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="statement.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_an_attachment_is_not_served_to_a_non_participant(
    client_for, member, bystander, case_room, thread, post
):
    message = post(member).message
    attachment = actions.add_attachment(
        message=message, uploader=member, filename="a.pdf", content=PDF
    )
    url = reverse("messaging:attachment", args=[case_room.pk, attachment.pk])
    assert client_for(bystander).get(url).status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(64), "This type of file is not accepted"),
        (b"", "The submitted file is empty."),
        (b"%PDF-" + b"x" * 2048, "over the limit of 1024 bytes"),
    ],
)
def test_a_refused_attachment_stores_neither_file_nor_message(
    client_for, member, case_room, thread, settings, content, message
):
    settings.COUNTERPART_ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("tool.pdf", content)
    response = client_for(member).post(
        reverse("messaging:post_message", args=[case_room.pk]),
        {**composer_data(thread), "attachment": upload},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0


# --- Edits, deletions, replies -------------------------------------------------------------


def test_an_edit_keeps_the_history_visible_to_the_room(
    client_for, member, counterpart, case_room, thread, post
):
    message = post(member, "Meeting at 10").message
    url = reverse("messaging:edit_message", args=[case_room.pk, message.pk])
    client = client_for(member)
    assert client.get(url).context["form"].initial["body"] == "Meeting at 10"
    assert client.post(url, {"body": "Meeting at 11"}).status_code == 302
    reader = client_for(counterpart)
    page = reader.get(room_url(case_room, thread)).content.decode()
    history_url = reverse("messaging:message_history", args=[case_room.pk, message.pk])
    assert f'href="{history_url}">edited</a>' in page
    history = reader.get(history_url)
    assert [v["html"] for v in history.context["versions"]] == [
        "<p>Meeting at 10</p>",
        "<p>Meeting at 11</p>",
    ]


def test_only_the_sender_edits_or_deletes(client_for, member, counterpart, case_room, thread, post):
    message = post(member, "Mine").message
    client = client_for(counterpart)
    edit = client.post(
        reverse("messaging:edit_message", args=[case_room.pk, message.pk]), {"body": "Theirs"}
    )
    assert edit.status_code == 403
    delete = client.post(reverse("messaging:delete_message", args=[case_room.pk, message.pk]))
    assert delete.status_code == 403
    assert "only the sender" in delete.content.decode()
    message.refresh_from_db()
    assert crypto.open_body(message) == "Mine"
    assert message.deleted_at is None


def test_an_empty_edit_is_refused(client_for, member, case_room, thread, post):
    message = post(member, "Mine").message
    response = client_for(member).post(
        reverse("messaging:edit_message", args=[case_room.pk, message.pk]), {"body": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert message.revisions.count() == 0


def test_a_deleted_message_leaves_a_tombstone(
    client_for, member, counterpart, case_room, thread, post
):
    message = post(member, "Delete me soon").message
    response = client_for(member).post(
        reverse("messaging:delete_message", args=[case_room.pk, message.pk])
    )
    assert response.status_code == 302
    html = client_for(counterpart).get(room_url(case_room, thread)).content.decode()
    assert "Delete me soon" not in html
    assert "Message deleted by its sender" in html
    history = client_for(counterpart).get(
        reverse("messaging:message_history", args=[case_room.pk, message.pk])
    )
    assert "Delete me soon" not in history.content.decode()


def test_a_reply_links_to_the_message_it_answers(
    client_for, member, counterpart, case_room, thread, post
):
    first = post(member, "Question").message
    post(counterpart, "Answer", reply_to=first.seq)
    html = client_for(member).get(room_url(case_room, thread)).content.decode()
    assert f'In reply to <a href="#m{first.seq}">#{first.seq}</a> by Mateo Member' in html


def test_the_reply_link_fills_the_composer(client_for, member, case_room, thread, post):
    first = post(member, "Question").message
    response = client_for(member).get(f"{room_url(case_room, thread)}&reply_to={first.seq}")
    assert f'name="reply_to" value="{first.seq}"' in response.content.decode()


# --- Participants ----------------------------------------------------------------------------


def test_an_owner_invites_and_removes_a_participant(client_for, member, bystander, case_room):
    client = client_for(member)
    response = client.post(reverse("messaging:invite", args=[case_room.pk]), {"user": bystander.pk})
    assert response.status_code == 302
    assert RoomParticipant.objects.current().filter(room=case_room, user=bystander).exists()
    response = client.post(
        reverse("messaging:remove_participant", args=[case_room.pk, bystander.pk]),
        {"reason": "Not on this case"},
    )
    assert response.status_code == 302
    assert not RoomParticipant.objects.current().filter(room=case_room, user=bystander).exists()
    assert client_for(bystander).get(room_url(case_room)).status_code == 404


def test_a_participant_who_is_not_an_owner_cannot_invite_or_remove(
    client_for, member, counterpart, bystander, case_room
):
    client = client_for(counterpart)
    response = client.post(reverse("messaging:invite", args=[case_room.pk]), {"user": bystander.pk})
    assert response.status_code == 403
    assert "Only an owner" in response.content.decode()
    response = client.post(reverse("messaging:remove_participant", args=[case_room.pk, member.pk]))
    assert response.status_code == 403
    assert RoomParticipant.objects.current().filter(room=case_room).count() == 2


def test_inviting_someone_outside_the_network_is_refused(
    client_for, member, other_network_member, counterpart, case_room
):
    client = client_for(member)
    for user in (other_network_member, counterpart):  # another network; already present
        response = client.post(reverse("messaging:invite", args=[case_room.pk]), {"user": user.pk})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    assert RoomParticipant.objects.current().filter(room=case_room).count() == 2


def test_a_participant_leaves_the_room(client_for, counterpart, case_room):
    response = client_for(counterpart).post(
        reverse("messaging:remove_participant", args=[case_room.pk, counterpart.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:room_list")


# --- Nothing written can inject markup -------------------------------------------------------


def test_markup_in_bodies_titles_and_file_names_is_escaped(client_for, member, counterpart, tipp):
    room = actions.create_room(
        kind="case", creator=member, title=XSS, network=tipp, participants=[counterpart]
    )
    thread = actions.create_thread(
        room=room, creator=member, title=XSS, tags=[{"kind": "operation", "value": XSS}]
    )
    message = posting.post_message(
        room=room, sender=member, thread=thread, client_id=uuid.uuid4(), body=XSS
    ).message
    actions.add_attachment(message=message, uploader=member, filename=f"{XSS}.pdf", content=PDF)
    actions.edit_message(message=message, editor=member, body=f"{XSS} again")
    client = client_for(counterpart)
    pages = [
        client.get(reverse("messaging:room_list")),
        client.get(room_url(room, thread)),
        client.get(reverse("messaging:tag_search"), {"q": XSS[:100]}),
        client.get(reverse("messaging:message_history", args=[room.pk, message.pk])),
    ]
    for response in pages:
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[1].content.decode()
