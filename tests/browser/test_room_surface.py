"""The case room's surface in real Chromium against a real Daphne: labels are chosen for each
message and never carried over, a live message is the same markup as after a reload, times
are in the reader's zone and language with the zone named, deletion asks first, and a
translation request nobody can take says so before it is made."""

import re
import uuid

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from messaging import actions, posting, times
from messaging.models import Message
from messaging.translations import actions as translation_actions
from network.accounts import invitations
from network.languages.actions import declare_pair
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    browser_for_fixture,
    chromium_fixture,
    daphne_server_fixture,
    session_key_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')
# A write of the test process reaches the server's hub through Redis at once, or (without
# Redis) at the hub's next resynchronisation from the database, within RESYNC_SECONDS.
LIVE = 15_000
TIME_TEXT = re.compile(r'(<time class="when[^"]*"[^>]*>)[^<]*(</time>)')


@pytest.fixture
def thread(case_room, member):
    return actions.create_thread(room=case_room, creator=member, title="Flights")


@pytest.fixture
def translator(make_user, make_membership, tipp):
    user = make_user("translator@example.org", display_name="Teresa Translator", state="PH")
    make_membership(user, tipp)
    declare_pair(user=user, source="es", target="en")
    return user


def open_room(page, room, thread):
    page.goto(f"/rooms/{room.pk}/?thread={thread.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def stable_markup(locator) -> str:
    """The element's markup without what changes by itself: the CSRF token's per-render
    mask and the relative wording of times (their instant and absolute text stay)."""
    html = locator.evaluate("node => node.outerHTML")
    return TIME_TEXT.sub(r"\1\2", CSRF_VALUE.sub(r'\1"', html))


def test_after_an_h3_message_the_next_one_has_the_room_default_and_no_labels(
    browser_for, member, case_room, thread
):
    actions.set_default_handling(room=case_room, owner=member, code="H1")
    page = open_room(browser_for(member), case_room, thread)
    send = page.locator("#send-button")
    expect(send).to_have_text("Send as H1")
    expect(page.locator(".field-confirm_handling")).to_be_hidden()
    expect(page.locator(".field-handling_note")).to_be_hidden()

    page.fill("#id_body", "Witness list for the hearing.")
    page.select_option("#id_handling", "H3")
    expect(send).to_have_text("Send as H3")
    confirm = page.locator(".field-confirm_handling")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("I choose H3: other restrictions stated by the provider")
    page.fill("#id_handling_note", "Only for the court in Lagos")
    page.select_option("#id_evaluation", "C3")
    send.click()
    expect(page.locator("#composer-error")).to_have_text(
        "Confirm H3 for this message, or choose another handling code."
    )
    page.check("#id_confirm_handling")
    send.click()

    # The composer is back at the room's default, with no evaluation, note or confirmation.
    expect(send).to_have_text("Send as H1")
    assert page.locator("#id_handling").input_value() == "H1"
    assert page.locator("#id_handling_note").input_value() == ""
    assert page.locator("#id_evaluation").input_value() == ""
    assert not page.locator("#id_confirm_handling").is_checked()
    expect(page.locator(".field-confirm_handling")).to_be_hidden()

    page.fill("#id_body", "Flight list attached.")
    send.click()
    expect(page.locator("#messages .message:not(.pending)")).to_have_count(2)

    first, second = Message.objects.filter(room=case_room).order_by("seq")
    assert (first.handling_code, first.handling_note, first.evaluation) == (
        "H3",
        "Only for the court in Lagos",
        "C3",
    )
    assert (second.handling_code, second.handling_note, second.evaluation) == ("H1", "", "")
    shown = page.locator(f"#m{second.seq}")
    expect(shown.locator(".handling")).to_have_text("H1")
    expect(shown.locator(".evaluation")).to_have_count(0)
    expect(shown.locator(".handling-note")).to_have_count(0)
    assert page.console_errors == []


def test_a_live_message_is_the_same_markup_as_after_a_reload(
    browser_for, member, counterpart, translator, case_room, thread
):
    """Posted, given a file and translated while both pages are open: each page's live
    article equals its article after a reload (the sender's with edit and delete)."""
    pages = {
        "reader": open_room(browser_for(counterpart), case_room, thread),
        "sender": open_room(browser_for(member), case_room, thread),
    }
    sent = posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        client_id=uuid.uuid4(),
        body="La víctima fue trasladada desde el puerto hasta la **capital** por una red.",
        handling_code="H2",
        evaluation="B2",
    ).message
    actions.add_attachment(
        message=sent, uploader=member, filename="vuelos.txt", content=b"IB 6011\n"
    )
    request = translation_actions.request_translation(
        requester=member,
        message=sent,
        source_language="es",
        target_language="en",
        purpose="information",
        due_date="2099-01-01",
    )
    translation_actions.claim_request(request=request, translator=translator)
    translation_actions.submit_translation(
        request=request, translator=translator, text="The victim was moved to the capital."
    )

    for role, page in pages.items():
        live = page.locator(f"#m{sent.seq}")
        expect(live.locator(".translation")).to_contain_text("The victim was moved", timeout=LIVE)
        expect(live.locator(".attachments")).to_contain_text("vuelos.txt")
        expect(live.locator("a.request-translation")).to_be_visible()
        expect(live.locator(".evaluation")).to_have_attribute(
            "aria-label", re.compile(r"^Evaluation B2: Source B: mostly reliable\.")
        )
        before = stable_markup(live)
        open_room(page, case_room, thread)  # reload
        after = stable_markup(page.locator(f"#m{sent.seq}"))
        assert before == after, role
        assert ('details class="delete"' in after) == (role == "sender")
        assert page.console_errors == []


def test_delete_asks_for_confirmation_and_the_tombstone_arrives_live(
    browser_for, member, counterpart, case_room, thread
):
    sent = posting.post_message(
        room=case_room, sender=member, thread=thread, client_id=uuid.uuid4(), body="Wrong file"
    ).message
    reader = open_room(browser_for(counterpart), case_room, thread)
    owner = open_room(browser_for(member), case_room, thread)
    article = owner.locator(f"#m{sent.seq}")
    article.locator("details.delete summary").click()
    expect(article.locator("details.delete")).to_contain_text(
        f"Delete message #{sent.seq} for everyone?"
    )
    assert Message.objects.get(pk=sent.pk).deleted_at is None  # nothing happened yet
    article.get_by_role("button", name="Delete for everyone").click()
    expect(owner.locator(f"#m{sent.seq} .tombstone")).to_be_visible()
    expect(reader.locator(f"#m{sent.seq} .tombstone")).to_contain_text(
        "Message deleted by its sender on", timeout=LIVE
    )
    assert Message.objects.get(pk=sent.pk).deleted_at is not None


def zone_page(chromium, daphne_server, user, *, zone: str):
    """A Spanish page in a browser whose clock runs in `zone`, signed in as `user`."""
    context = chromium.new_context(base_url=daphne_server.origin, timezone_id=zone, locale="es-ES")
    cookies = [{"name": "django_language", "value": "es", "url": daphne_server.origin}]
    if user is not None:
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key_for(user),
                "url": daphne_server.origin,
            }
        )
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize(
    ("zone", "label"), [("America/Lima", "UTC\u221205:00"), ("Africa/Lagos", "WAT")]
)
def test_times_are_in_the_readers_zone_and_language_live_and_after_a_reload(
    chromium, daphne_server, member, counterpart, case_room, thread, zone, label
):
    counterpart.time_zone = zone
    counterpart.save(update_fields=["time_zone"])
    context, page = zone_page(chromium, daphne_server, counterpart, zone=zone)
    try:
        open_room(page, case_room, thread)
        sent = posting.post_message(
            room=case_room, sender=member, thread=thread, client_id=uuid.uuid4(), body="Hola"
        ).message
        with translation.override("es"):
            expected = times.absolute(sent.created_at, times.reader_zone(counterpart))
        assert re.fullmatch(rf"\d{{1,2}} de \w+ de \d{{4}} a las \d\d:\d\d {label}", expected)
        for _ in ("live", "reloaded"):
            shown = page.locator(f"#m{sent.seq} time.when")
            expect(shown).to_have_attribute("title", expected, timeout=LIVE)
            expect(shown).to_have_text(re.compile(r"^(ahora|hace \d+ (segundos|minutos?))$"))
            assert shown.get_attribute("tabindex") == "0"
            shown.focus()
            after = shown.evaluate("node => getComputedStyle(node, '::after').content")
            assert expected in after
            open_room(page, case_room, thread)
    finally:
        context.close()


@pytest.mark.parametrize("zone", ["America/Lima", "Africa/Lagos"])
def test_a_new_account_starts_in_the_browsers_zone(chromium, daphne_server, member, tipp, zone):
    issued = invitations.create_invitation(
        network=tipp, email=f"new-{zone[-4:].lower()}@example.org", note="", inviter=member
    )
    context, page = zone_page(chromium, daphne_server, None, zone=zone)
    try:
        page.goto(f"/accounts/invitation/{issued.token}/")
        expect(page.locator("select[name=time_zone]")).to_have_value(zone)
    finally:
        context.close()


def test_the_request_form_says_at_once_when_nobody_can_take_it(
    browser_for, member, translator, case_room, thread
):
    sent = posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        client_id=uuid.uuid4(),
        body="La víctima fue trasladada desde el puerto hasta la capital por una red.",
    ).message
    page = browser_for(member)
    page.goto(f"/translations/new/?message={sent.pk}")
    line = page.locator("#translation-availability")
    page.select_option("select[name=target_language]", "en")
    expect(line).to_have_attribute("data-state", "available")
    page.select_option("select[name=purpose]", "for_court")
    expect(line).to_have_attribute("data-state", "no_certified_translator")
    expect(line).to_contain_text("No certified translator for Spanish → English")
    page.select_option("select[name=target_language]", "fr")
    expect(line).to_have_attribute("data-state", "no_translator")
    expect(line).to_contain_text("the network's coordinators are told")
    assert page.console_errors == []
