"""A screenshot per journey and interface language, on a phone (390x844) and in a desktop
window, saved under the test's temporary directory (the path is printed): the home page's
"Find a counterpart", the directory's answer with its "Message" action, and a case room as a
chat pane with its "New messages" divider. Each page is checked to fit the width.

A few of them are kept in docs/screenshots/ and shown in the README.
"""

import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from directory import actions as directory
from messaging import actions, posting
from messaging.models import ReadMarker
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    chromium_fixture,
    daphne_server_fixture,
    session_key_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("en", "es", "fr", "pt", "ar")
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def journeys(member, counterpart, case_room, tipp):
    authority = directory.create_authority(
        name="Office of the Attorney General", kind="prosecution_service", state="NG"
    )
    directory.create_contact_point(
        authority=authority,
        kind="person",
        name="Chidi Counterpart",
        competences=["jit.authorize"],
        networks=[tipp],
        email="jit@example.org",
        member=counterpart,
    )
    thread = actions.create_thread(room=case_room, creator=member, title="Recruitment agency")
    bodies = [
        (counterpart, "We traced the agency to **two** addresses in Lagos.", "H1"),
        (member, "Our registry shows the same director in Buenos Aires.", "H1"),
        (counterpart, "Can you request the bank records?", "H1"),
    ]
    for sender, body, code in bodies:
        last = posting.post_message(
            room=case_room,
            sender=sender,
            thread=thread,
            client_id=uuid.uuid4(),
            body=body,
            handling_code=code,
        ).message
    actions.mark_read(room=case_room, user=member, seq=last.seq - 1)
    return last.seq - 1, {
        "home": "/",
        "directory": "/directory/?state=NG&competence=jit.authorize",
        "room": f"/rooms/{case_room.pk}/?thread={thread.pk}",
    }


def test_a_screenshot_per_journey_and_language(chromium, daphne_server, member, journeys, tmp_path):
    read_to, journeys = journeys
    session_key = session_key_for(member)
    saved, too_wide = [], {}
    for screen, viewport in SCREENS.items():
        for language in LANGUAGES:
            # A member reads in the language of their profile.
            type(member).objects.filter(pk=member.pk).update(preferred_language=language)
            # Each visit starts with the last message unread, to show the divider.
            ReadMarker.objects.filter(user=member).update(seq=read_to)
            context = chromium.new_context(
                base_url=daphne_server.origin,
                viewport=viewport,
                is_mobile=screen == "phone",
                has_touch=screen == "phone",
            )
            context.add_cookies(
                [
                    {"name": name, "value": value, "url": daphne_server.origin}
                    for name, value in (
                        (settings.SESSION_COOKIE_NAME, session_key),
                        (settings.LANGUAGE_COOKIE_NAME, language),
                    )
                ]
            )
            page = context.new_page()
            for journey, path in journeys.items():
                page.goto(path)
                if journey == "room":
                    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
                    expect(page.locator("#unread-divider")).to_be_visible()
                width = page.evaluate("document.scrollingElement.scrollWidth")
                if width > viewport["width"]:
                    too_wide[f"{journey} {screen} {language}"] = width
                target = tmp_path / f"{journey}-{screen}-{language}.png"
                page.screenshot(path=target)
                saved.append(target)
            context.close()

    print(f"\n{len(saved)} screenshots in {tmp_path}")
    assert len(saved) == len(SCREENS) * len(LANGUAGES) * len(journeys)
    assert all(path.stat().st_size > 1000 for path in saved)
    assert not too_wide
