"""A TIPP case room with a Spanish message, and translators around it.

- `member` (owner) and `counterpart` read the room; `message` is Spanish, handling H2.
- `translator`: TIPP member, es→en, not certified. `certified_translator`: TIPP, es→en sworn,
  verified by TIPP's coordinator against a PDF until a year from now.
- `self_declared_translator`: TIPP, es→en sworn by their own word only (no verification).
- `redtram_translator`: es→en but only in REDTRAM (shares no network with the requester).
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import actions as messaging_actions
from messaging import posting
from messaging.translations import actions
from network.languages.actions import declare_pair, upload_evidence, verify_pair

PDF = b"%PDF-1.4\n% sworn translator certificate\n%%EOF\n"


def verified_pair(user, coordinator, source="es", target="en"):
    pair = declare_pair(user=user, source=source, target=target, certified=True)
    upload_evidence(user=user, pair_id=pair.pk, content=PDF)
    return verify_pair(
        coordinator=coordinator,
        pair_id=pair.pk,
        expires=timezone.localdate() + timedelta(days=365),
    )


CANARY = "CANARY-7f3a9c víctima trasladada"
SPANISH = (
    f"La víctima fue trasladada desde el puerto hasta la capital por una red que usaba "
    f"documentos falsos y no tenía permiso. {CANARY}"
)


@pytest.fixture
def thread(case_room, member):
    return messaging_actions.create_thread(
        room=case_room, creator=member, title="Recruitment agency DP 123/2025"
    )


@pytest.fixture
def post(thread):
    def send(sender, body=SPANISH, **fields):
        fields.setdefault("client_id", uuid.uuid4())
        return posting.post_message(
            room=thread.room, sender=sender, thread=thread, body=body, **fields
        ).message

    return send


@pytest.fixture
def message(post, member):
    return post(member, handling_code="H2")


@pytest.fixture
def other_message(post, counterpart):
    return post(counterpart, "Otro mensaje secreto del caso: OTHER-SECRET-51", handling_code="H0")


@pytest.fixture
def translator(make_user, make_membership, tipp):
    user = make_user("translator@example.org", display_name="Teresa Translator", state="PH")
    make_membership(user, tipp)
    declare_pair(user=user, source="es", target="en")
    return user


@pytest.fixture
def certified_translator(make_user, make_membership, tipp, coordinator):
    user = make_user("sworn@example.org", display_name="Sergio Sworn", state="ES")
    make_membership(user, tipp)
    verified_pair(user, coordinator)
    return user


@pytest.fixture
def self_declared_translator(make_user, make_membership, tipp):
    user = make_user("says-sworn@example.org", display_name="Sam Saysworn", state="ES")
    make_membership(user, tipp)
    declare_pair(user=user, source="es", target="en", certified=True)
    return user


@pytest.fixture
def redtram_translator(make_user, make_membership, redtram):
    user = make_user("far@example.org", display_name="Fara Elsewhere", state="MX")
    make_membership(user, redtram)
    declare_pair(user=user, source="es", target="en", certified=True)
    return user


@pytest.fixture
def due():
    return timezone.localdate() + timedelta(days=5)


@pytest.fixture
def make_request(member, message, due):
    def make(**fields):
        fields.setdefault("requester", member)
        if "attachment" not in fields:
            fields.setdefault("message", message)
        fields.setdefault("target_language", "en")
        fields.setdefault("source_language", "es")
        fields.setdefault("purpose", "information")
        fields.setdefault("due_date", due)
        return actions.request_translation(**fields)

    return make


@pytest.fixture
def open_request(make_request):
    return make_request(note="Names as written, please. NOTE-CANARY-22")


@pytest.fixture
def claimed_request(open_request, translator):
    return actions.claim_request(request=open_request, translator=translator)


@pytest.fixture
def submitted_request(claimed_request, translator):
    return actions.submit_translation(
        request=claimed_request,
        translator=translator,
        text="The victim was moved from the port. TRANSLATION-CANARY-99",
    )
