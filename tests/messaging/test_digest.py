"""The e-mail digest (`manage.py send_digests`): mentions and H2/H3 messages that waited
unread for the quiet period, as counts and absolute links, never content; each message in
at most one digest."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from messaging import actions
from messaging.notifications.digest import send_digests
from messaging.notifications.models import DigestMark

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=61)  # past the default quiet period of 60 minutes


@pytest.fixture
def waiting(post, member):
    """An H2 and an H3 message and a mention of the counterpart, posted by the member."""

    def send(counterpart):
        return [
            post(member, "The agency's address is Calle 9", handling_code="H2"),
            post(
                member,
                "The witness is at the safe house",
                handling_code="H3",
                handling_note="Prosecutors only",
            ),
            post(member, "Can you check this?", mentions=[counterpart.pk]),
            post(member, "Nothing special"),
        ]

    return send


def test_a_member_is_mailed_counts_and_a_link_without_content(
    waiting, member, counterpart, case_room, settings
):
    settings.ALLOWED_ORIGINS = ["https://counterpart.example.org"]
    waiting(counterpart)

    sent = send_digests(now=timezone.now() + LATER)

    assert sent == 1
    (email,) = mail.outbox
    assert email.to == [counterpart.email]
    assert f"https://counterpart.example.org/rooms/{case_room.pk}/" in email.body
    assert "1 mention of you" in email.body
    assert "2 messages marked H2 or H3" in email.body
    for secret in ("Calle 9", "safe house", "check this", case_room.title, "Mateo"):
        assert secret not in email.body and secret not in email.subject
    mark = DigestMark.objects.get(user=counterpart, room=case_room)
    assert mark.seq == case_room.messages.filter(mentions=[counterpart.pk]).get().seq


def test_nothing_is_mailed_within_the_quiet_period_or_twice(waiting, counterpart, settings):
    settings.COUNTERPART_DIGEST_QUIET_MINUTES = 30
    waiting(counterpart)

    assert send_digests(now=timezone.now() + timedelta(minutes=20)) == 0
    assert send_digests(now=timezone.now() + timedelta(minutes=31)) == 1
    assert send_digests(now=timezone.now() + timedelta(minutes=90)) == 0
    assert len(mail.outbox) == 1


def test_read_messages_own_messages_and_ordinary_ones_are_not_in_a_digest(
    post, waiting, member, counterpart, case_room
):
    messages = waiting(counterpart)
    actions.mark_read(room=case_room, user=counterpart, seq=messages[-1].message.seq)
    post(member, "An ordinary H1 message", handling_code="H1")

    assert send_digests(now=timezone.now() + LATER) == 0
    assert mail.outbox == []


def test_a_member_who_lost_access_gets_no_digest_of_the_room(
    waiting, member, counterpart, case_room
):
    waiting(counterpart)
    actions.remove_participant(room=case_room, user=counterpart, removed_by=member)

    assert send_digests(now=timezone.now() + LATER) == 0


def test_the_command_sends_the_digests(waiting, counterpart, case_room):
    waiting(counterpart)
    case_room.messages.update(created_at=timezone.now() - LATER)

    out = io.StringIO()
    call_command("send_digests", stdout=out)

    assert [email.to for email in mail.outbox] == [[counterpart.email]]
    assert out.getvalue().strip() == "1 digest(s) sent"
