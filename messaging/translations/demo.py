"""Demo translation data: language pairs for some demo members and a couple of requests.

Built through the actions (so events, audit entries and notifications are real). Idempotent:
members who already declared pairs are left alone, and requests are made only if there are
none. Without demo members or messages it does nothing.
"""

from datetime import timedelta

from django.utils import timezone

from messaging import crypto as room_crypto
from messaging.models import Message, Room
from messaging.translations import actions
from messaging.translations.detect import detect_language
from messaging.translations.models import TranslationRequest
from network.accounts.models import User
from network.languages.actions import LanguagePairError, declare_pair
from network.languages.models import LanguagePair
from network.models import Membership

TRANSLATORS = 12


def seed(*, stdout) -> None:
    declared = _declare_pairs()
    requested = _request_translations()
    if declared or requested:
        stdout.write(f"translations: {declared} language pair(s), {requested} request(s)")


def _declare_pairs() -> int:
    members = (
        User.objects.filter(is_active=True, memberships__in=Membership.objects.active())
        .distinct()
        .order_by("email")[:TRANSLATORS]
    )
    declared = 0
    for index, user in enumerate(members):
        if LanguagePair.objects.filter(user=user).exists():
            continue
        languages = [code for code in (user.languages or []) if isinstance(code, str)][:2]
        if "en" not in languages:
            languages = [*languages[:1], "en"]
        for source, target in ((languages[0], languages[-1]), (languages[-1], languages[0])):
            if source == target:
                continue
            try:
                declare_pair(user=user, source=source, target=target, certified=index % 3 == 0)
            except LanguagePairError:
                continue
            declared += 1
    return declared


def _request_translations() -> int:
    if TranslationRequest.objects.exists():
        return 0
    messages = Message.objects.filter(
        room__kind=Room.Kind.CASE, deleted_at__isnull=True
    ).select_related("room", "sender")[:20]
    requested = 0
    for message in messages:
        source = detect_language(room_crypto.open_body(message))
        if source is None:
            continue
        try:
            actions.request_translation(
                requester=message.sender,
                message=message,
                source_language=source,
                target_language="en" if source != "en" else "es",
                purpose="information" if requested == 0 else "for_court",
                urgency="urgent" if requested == 0 else "routine",
                due_date=timezone.localdate() + timedelta(days=7 + requested),
                note="Demo request: please keep names as written.",
            )
        except actions.TranslationError:
            continue
        requested += 1
        if requested == 2:
            break
    return requested
