"""Demo translation data: certified translators (verified by a coordinator) for each demo
network's main language pairs, pairs for some other members, and translations in the demo
case rooms (submitted, some accepted), so that each advertised account sees a translation
beside its original.

Built through the actions (so events, audit entries and notifications are real). Idempotent:
members who already declared pairs are left alone, and translations are made only if there
are no requests yet. Without demo members or messages it does nothing.
"""

from datetime import timedelta

from django.utils import timezone

from messaging.disclosure import actions as disclosure_actions
from messaging.models import Message
from messaging.translations import actions
from messaging.translations.models import TranslationRequest
from network.accounts.models import User
from network.languages.actions import (
    LanguagePairError,
    declare_pair,
    upload_evidence,
    verify_pair,
)
from network.languages.models import LanguagePair
from network.models import Membership

TRANSLATORS = 12

# Certified (sworn) translators, both directions: REDTRAM es/pt (and es-en), WACAP en/fr and
# pt/fr, TIPP en with ar, es and fr.
CERTIFIED = {
    "diego.martinez@example.org": [("es", "pt")],
    "mariana.quiroga@example.org": [("es", "en")],
    "mamadou.diallo@example.net": [("fr", "en")],
    "joao.tavares@example.net": [("pt", "fr"), ("pt", "en")],
    "layla.haddad@example.org": [("ar", "en")],
    "emily.carter@example.org": [("es", "en")],
    "claire.dubois@example.org": [("fr", "en")],
}

# (room title, thread title, message index in the thread, requester, target, purpose,
# translator, translation, accepted)
TRANSLATIONS = [
    (
        "Operation Lantern — recruitment through a fake agency",
        "Recruitment agency and its accounts", 2,
        "lucia.fernandez@example.org", "es", "for_court", "diego.martinez@example.org",
        "Confirmado por nuestra parte: el director reside en Lisboa. Sigue la solicitud "
        "formal de asistencia judicial; ver `MLA-2025-0931`.",
        True,
    ),
    (
        "Operation Lantern — recruitment through a fake agency",
        "Recruitment agency and its accounts", 0,
        "ines.carvalho@example.org", "en", "information", "mariana.quiroga@example.org",
        "The agency advertised **domestic work** in Madrid; we have identified 14 victims. "
        "The summary of the transfers is attached.",
        False,
    ),
    (
        "Gulf of Guinea fishing vessels — forced labour at sea",
        "Crew lists and the vessels' owners", 1,
        "kwame.asante@example.net", "en", "for_court", "mamadou.diallo@example.net",
        "We have identified the vessel's owner in Abidjan. A formal request for mutual legal "
        "assistance will follow this week.",
        True,
    ),
    (
        "Cross-regional recruitment routes",
        "Routes through Amman and Madrid", 0,
        "lucia.fernandez@example.org", "en", "information", "layla.haddad@example.org",
        "We identified a recruitment office in Amman that sends women workers to Madrid with "
        "false contracts.",
        False,
    ),
]  # fmt: skip


def seed(*, stdout) -> None:
    declared = _declare_certified() + _declare_pairs()
    translated = _translate()
    if declared or translated:
        stdout.write(f"translations: {declared} language pair(s), {translated} translation(s)")


def _declare_certified() -> int:
    declared = 0
    for email, pairs in CERTIFIED.items():
        user = User.objects.filter(email=email).first()
        if user is None or LanguagePair.objects.filter(user=user).exists():
            continue
        for one, other in pairs:
            for source, target in ((one, other), (other, one)):
                try:
                    pair = declare_pair(user=user, source=source, target=target, certified=True)
                    _verify(pair)
                except LanguagePairError:
                    continue
                declared += 1
    return declared


DEMO_CERTIFICATE = b"%PDF-1.4\n% Demo certificate of a sworn translator\n%%EOF\n"


def _verify(pair) -> None:
    """The demo's sworn translators upload a certificate; a coordinator of their network
    verifies it for a year."""
    networks = Membership.objects.active().filter(user=pair.user).values("network_id")
    coordinator = (
        Membership.objects.active()
        .filter(network_id__in=networks, role=Membership.Role.COORDINATOR)
        .exclude(user=pair.user)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if coordinator is None:
        return
    upload_evidence(user=pair.user, pair_id=pair.pk, content=DEMO_CERTIFICATE)
    verify_pair(
        coordinator=coordinator.user,
        pair_id=pair.pk,
        expires=timezone.localdate() + timedelta(days=365),
    )


def _declare_pairs() -> int:
    members = (
        User.objects.filter(is_active=True, memberships__in=Membership.objects.active())
        .distinct()
        .order_by("email")[:TRANSLATORS]
    )
    declared = 0
    for user in members:
        if LanguagePair.objects.filter(user=user).exists():
            continue
        languages = [code for code in (user.languages or []) if isinstance(code, str)][:2]
        if "en" not in languages:
            languages = [*languages[:1], "en"]
        for source, target in ((languages[0], languages[-1]), (languages[-1], languages[0])):
            if source == target:
                continue
            try:
                declare_pair(user=user, source=source, target=target)
            except LanguagePairError:
                continue
            declared += 1
    return declared


def _translate() -> int:
    if TranslationRequest.objects.exists():
        return 0
    done = 0
    for index, spec in enumerate(TRANSLATIONS):
        room, thread, position, requester, target, purpose, translator, text, accept = spec
        message = (
            Message.objects.filter(room__title=room, thread__title=thread)
            .order_by("seq")
            .select_related("room", "sender")[position : position + 1]
            .first()
        )
        requester = User.objects.filter(email=requester).first()
        translator = User.objects.filter(email=translator).first()
        if message is None or requester is None or translator is None:
            continue
        try:
            request = actions.request_translation(
                requester=requester,
                message=message,
                target_language=target,
                purpose=purpose,
                urgency="urgent" if index == 0 else "routine",
                due_date=timezone.localdate() + timedelta(days=7 + index),
                note="Please keep names and case numbers as written.",
            )
            if request.status == TranslationRequest.Status.AWAITING_PERMISSION:
                # Another member's H1/H2/H3 item: its provider grants the permission.
                disclosure_actions.answer_permission(
                    permission=request.permission, provider=message.sender, answer="granted"
                )
                request.refresh_from_db()
            actions.claim_request(request=request, translator=translator)
            actions.submit_translation(request=request, translator=translator, text=text)
            if accept:
                actions.accept_translation(request=request, requester=requester)
        except actions.TranslationError:
            continue
        done += 1
    return done
