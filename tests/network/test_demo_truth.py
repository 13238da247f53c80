"""`manage.py seed_demo` tells the truth: the accounts the README advertises are in lively case
rooms (threads with tags, an attachment, a translation), each demo network's main language
pairs have a certified translator among its active members, every demo phone number is valid
for its state, the JIT-authority entries are complete, and the WACAP room's victim-sensitive
thread is hidden from its participant who is not a reader. Seeding twice changes nothing."""

import io

import phonenumbers
import pytest
from django.core.management import call_command

from directory.models import ContactPoint
from messaging.models import Attachment, CaseTag, Message, Room
from messaging.translations.models import TranslationRequest
from network.languages.models import LanguagePair
from network.models import Membership

pytestmark = pytest.mark.django_db

ADVERTISED = ["lucia.fernandez@example.org", "kwame.asante@example.net"]
MAIN_PAIRS = {
    "redtram": [("es", "pt"), ("pt", "es")],
    "wacap": [("fr", "en"), ("en", "fr"), ("pt", "fr")],
    "tipp": [("ar", "en"), ("es", "en"), ("fr", "en")],
}


@pytest.fixture
def seeded(settings, tmp_path):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    return settings


def test_the_readme_accounts_are_printed_and_in_a_lively_case_room(seeded):
    readme = (seeded.BASE_DIR / "README.md").read_text()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    for email in ADVERTISED:
        assert email in out.getvalue()
        rooms = Room.objects.filter(kind="case", participants__user__email=email)
        lively = [
            room
            for room in rooms
            if room.threads.count() >= 2
            and CaseTag.objects.filter(thread__room=room).exists()
            and Attachment.objects.filter(message__room=room).exists()
            and TranslationRequest.objects.filter(
                message__room=room, status__in=["submitted", "accepted"]
            ).exists()
            and Message.objects.filter(room=room).values("sender").distinct().count() >= 3
        ]
        assert lively, f"{email} is in no lively case room"
    assert "make run" in readme


def test_the_wacap_victim_sensitive_thread_is_read_by_its_readers_only(seeded, client):
    from messaging import access
    from messaging.models import Thread
    from tests.conftest import sign_in

    thread = Thread.objects.select_related("room").get(title="Survivors' shelter and statements")
    assert thread.restricted and thread.victim_sensitive
    participants = [p.user for p in thread.room.participants.filter(removed_at__isnull=True)]
    readers = [user for user in participants if access.can_read_thread(user, thread)]
    others = [user for user in participants if user not in readers]
    assert readers and others
    page = sign_in(client, others[0]).get(f"/rooms/{thread.room_id}/").content.decode()
    assert "Survivors" not in page and "Four of the fishermen" not in page


def test_the_wacap_support_participant_reads_only_the_survivors_thread(seeded, client):
    from messaging import access
    from messaging.models import RoomParticipant, Thread
    from tests.conftest import sign_in

    support = RoomParticipant.objects.current().get(
        room__network__slug="wacap", capacity="support", guest_until__isnull=True
    )
    room, user = support.room, support.user
    readable = [
        t.title for t in Thread.objects.filter(room=room) if access.can_read_thread(user, t)
    ]
    assert readable == ["Survivors' shelter and statements"]
    page = sign_in(client, user).get(f"/rooms/{room.pk}/").content.decode()
    assert "Survivors" in page
    assert "Crew lists" not in page and "Joint investigation team" not in page
    assert not access.may_export(user, room)


def test_the_wacap_ngo_guest_reads_only_its_thread(seeded, client):
    """A member of no network, a guest of the WACAP room: its thread on pages, API and tag
    search; nothing of the others, nor the directory (the WebSocket: tests/messaging)."""
    from messaging import access
    from messaging.models import RoomParticipant, Thread
    from tests.conftest import sign_in

    guest = RoomParticipant.objects.current().get(
        room__network__slug="wacap", guest_until__isnull=False
    )
    room, user = guest.room, guest.user
    assert not Membership.objects.filter(user=user).exists()
    readable = [
        t.title for t in Thread.objects.filter(room=room) if access.can_read_thread(user, t)
    ]
    assert readable == ["Survivors' shelter and statements"]
    browser = sign_in(client, user)
    page = browser.get(f"/rooms/{room.pk}/").content.decode()
    assert "Survivors" in page and "Crew lists" not in page
    threads = browser.get(f"/api/v1/rooms/{room.pk}/threads/").content.decode()
    assert "Survivors" in threads and "Crew lists" not in threads
    search = browser.get("/rooms/tags/", {"q": "Driftnet"}).content.decode()
    assert "Crew lists" not in search
    assert [r.pk for r in access.readable_rooms(user)] == [room.pk]
    assert browser.get("/directory/").status_code == 403


def test_each_networks_main_language_pairs_have_a_certified_translator(seeded):
    for slug, pairs in MAIN_PAIRS.items():
        active = Membership.objects.active().filter(network__slug=slug).values("user")
        for source, target in pairs:
            assert (
                LanguagePair.objects.verified()
                .filter(user__in=active, source=source, target=target)
                .exists()
            ), f"no verified certified {source}→{target} translator in {slug}"


def test_every_demo_phone_number_is_valid_for_its_state(seeded):
    entries = ContactPoint.objects.exclude(phone="")
    assert entries.count() > 100
    for entry in entries:
        number = phonenumbers.parse(entry.phone, None)
        assert phonenumbers.is_valid_number_for_region(number, entry.state), (
            entry.phone,
            entry.state,
        )


def test_the_jit_authority_entries_are_complete(seeded):
    entries = ContactPoint.objects.filter(competences__competence="jit.authorize")
    assert entries.exists()
    for entry in entries:
        assert entry.verified_by_id is not None
        assert entry.formal_requirements and entry.required_channel
        assert entry.request_languages


def test_seeding_again_changes_nothing(seeded):
    counts = (
        Room.objects.count(),
        Message.objects.count(),
        TranslationRequest.objects.count(),
        ContactPoint.objects.count(),
        LanguagePair.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        Room.objects.count(),
        Message.objects.count(),
        TranslationRequest.objects.count(),
        ContactPoint.objects.count(),
        LanguagePair.objects.count(),
    )
