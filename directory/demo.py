"""Demo directory: real states and plausible institutions in their languages, fictional people.

`seed(stdout=...)` is idempotent: it creates only the authorities and entries that are not
there yet. The networks are looked up by slug and created when missing, so this runs alone or
after network.demo. Some entries are left stale on purpose (verified long ago).
"""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from directory import actions
from directory.models import Authority, ContactPoint
from directory.phones import sample_number
from directory.text import fold
from network.models import Membership, Network

REDTRAM_STATES = [
    "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI", "PA",
    "PE", "PT", "PY", "SV", "UY", "VE",
]  # fmt: skip
WACAP_STATES = [
    "BJ", "BF", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "ML", "MR", "NE", "NG", "SN", "SL", "TG",
]  # fmt: skip
TIPP_ONLY_STATES = ["PH", "TH", "US", "GB", "NL", "IT", "KE", "ZA", "IN", "AL", "RO", "UA"]

NETWORKS = {
    "redtram": {
        "name": "REDTRAM",
        "region": "Ibero-America",
        "working_languages": ["es", "pt"],
        "member_states": REDTRAM_STATES,
        "directory_verification_days": 180,
    },
    "wacap": {
        "name": "WACAP",
        "region": "West Africa",
        "working_languages": ["en", "fr", "pt"],
        "member_states": WACAP_STATES,
        "directory_verification_days": 365,
    },
    "tipp": {
        "name": "TIPP network",
        "region": "Worldwide",
        "working_languages": ["en", "es", "fr"],
        "member_states": REDTRAM_STATES + WACAP_STATES + TIPP_ONLY_STATES,
        "directory_verification_days": 365,
    },
}

# state -> (language, time zone, prosecution service, central authority for MLA, police unit)

# Per state: [language, time zone, prosecution service, central authority for MLA, police
# unit]; and fictional first and last names per language.
DEMO_DATA = json.loads(
    (Path(__file__).parent / "data" / "demo_directory.json").read_text(encoding="utf-8")
)
INSTITUTIONS = DEMO_DATA["institutions"]
FIRST_NAMES = DEMO_DATA["first_names"]
LAST_NAMES = DEMO_DATA["last_names"]
DESK = {
    "es": "Mesa de Cooperación Internacional",
    "pt": "Núcleo de Cooperação Internacional",
    "fr": "Bureau de l'Entraide Judiciaire",
    "en": "International Cooperation Desk",
}
DUTY = {
    "es": "Guardia 24/7",
    "pt": "Plantão 24/7",
    "fr": "Permanence 24/7",
    "en": "24/7 Duty Desk",
}
NGO = {
    "es": "Fundación Camino Libre",
    "pt": "Associação Rede Liberdade",
    "fr": "Association Main Tendue",
    "en": "Safe Passage Foundation",
}
HOW_TO_REACH = {
    "es": (
        "Enviar solicitudes de asistencia en español; "
        "se acepta inglés para contactos urgentes de ECI."
    ),
    "pt": "Enviar pedidos em português; espanhol e inglês aceitos para contatos urgentes.",
    "fr": "Adresser les demandes d'entraide en français; anglais accepté pour les urgences.",
    "en": "Send requests in English; call the duty number for urgent operational contacts.",
}  # fmt: skip


class _Draws:
    """Deterministic draws from a seed (SHA-256 in counter mode), so re-runs repeat."""

    def __init__(self, seed: str):
        self.seed, self.counter = seed, 0

    def random(self) -> float:
        self.counter += 1
        digest = hashlib.sha256(f"{self.seed}:{self.counter}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def choice(self, items):
        return items[int(self.random() * len(items))]


def _networks_for(state: str, networks: dict[str, Network]) -> list[Network]:
    served = [networks["tipp"]]
    if state in REDTRAM_STATES:
        served.append(networks["redtram"])
    if state in WACAP_STATES:
        served.append(networks["wacap"])
    return served


def _ensure_networks() -> dict[str, Network]:
    return {
        slug: Network.objects.get_or_create(slug=slug, defaults=defaults)[0]
        for slug, defaults in NETWORKS.items()
    }


def _authority(state: str, name: str, kind: str, website: str = "") -> Authority:
    existing = Authority.objects.filter(state=state, name=name).first()
    if existing:
        return existing
    return actions.create_authority(name=name, kind=kind, state=state, website=website)


def _linkable_member(state: str, networks: list[Network]):
    membership = (
        Membership.objects.active()
        .filter(user__state=state, network__in=networks, user__contact_points__isnull=True)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    return membership.user if membership else None


def _verifier(networks: list[Network]):
    """The coordinator who vouches for a demo entry: one of the most specific network."""
    membership = (
        Membership.objects.active()
        .filter(network=networks[-1], role=Membership.Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _entry(rng, *, authority, name, networks, days_ago, **fields) -> bool:
    hours = rng.randint(0, 23)  # drawn before the check, so a re-run draws the same names
    if ContactPoint.objects.filter(authority=authority, name=name).exists():
        return False
    entry = actions.create_contact_point(
        authority=authority, name=name, networks=networks, actor=_verifier(networks), **fields
    )
    entry.verified_at = timezone.now() - timedelta(days=days_ago, hours=hours)
    entry.refresh_verification_due()
    entry.save(update_fields=["verified_at", "verification_due_at"])
    return True


def _seed_state(rng, state: str, networks: list[Network]) -> int:
    language, tz, prosecution, central, police = INSTITUTIONS[state]
    lang = language if language in FIRST_NAMES else "other"
    local = language if language in DESK else "en"
    spoken = [(language, "native")] + ([("en", "working")] if language != "en" else [])
    requests = [language] if language == "en" else [language, "en"]

    def phone(desk: int) -> str:
        return sample_number(state, rng.randint(0, 99) + desk)

    domain = f"{state.lower()}.justice.example"

    def person() -> str:
        return f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}"

    def stale_or_fresh() -> int:
        return rng.choice([3, 20, 45, 90, 150, 200, 300, 420, 600])

    common = {"time_zone": tz, "languages": spoken, "request_languages": requests}
    prosecution_service = _authority(state, prosecution, "prosecution_service")
    central_authority = _authority(
        state,
        central,
        "mla_central_authority" if "Fiscal" not in central else "prosecution_service",
    )
    police_unit = _authority(state, police, "police_unit")
    prosecutor = person()
    created = 0
    created += _entry(
        rng,
        authority=prosecution_service,
        name=prosecutor,
        kind="person",
        position="Specialised prosecutor, trafficking in persons",
        competences=["tip.specialized_prosecution", "jit.authorize", "jit.national_expert"],
        phone=phone(1),
        email=f"{fold(prosecutor.split()[0])}.tip@{domain}",
        member=_linkable_member(state, networks),
        office_hours="Mon-Fri 08:00-16:00",
        how_to_reach=HOW_TO_REACH[local],
        formal_requirements=(
            "A JIT proposal in writing, with the facts, the legal basis and the proposed "
            "parties; consent is given on the model JIT agreement, signed by the head of the "
            "prosecution service."
        ),
        required_channel="Official email; the signed agreement by the central authority.",
        networks=networks,
        days_ago=stale_or_fresh(),
        **common,
    )
    created += _entry(
        rng,
        authority=central_authority,
        name=DESK[local],
        kind="desk",
        competences=["mla.central_authority", "mla.executing", "extradition"],
        phone=phone(2),
        email=f"mla@{domain}",
        office_hours="Mon-Fri 09:00-17:00",
        formal_requirements="Formal MLA requests in writing, with a certified translation.",
        required_channel="Official email or diplomatic channel; urgent copies by email.",
        networks=networks,
        days_ago=stale_or_fresh(),
        **common,
    )
    created += _entry(
        rng,
        authority=police_unit,
        name=DUTY[local],
        kind="desk",
        competences=["police.24_7", "tip.investigation"],
        phone=phone(3),
        email=f"duty@police.{domain}",
        availability="24_7",
        networks=networks,
        days_ago=stale_or_fresh(),
        **common,
    )
    if rng.random() < 0.6:
        investigator = person()
        created += _entry(
            rng,
            authority=police_unit,
            name=investigator,
            kind="person",
            position="Investigator, financial and asset tracing",
            competences=["asset_recovery", "financial_intelligence", "tip.investigation"],
            email=f"assets@police.{domain}",
            office_hours="Mon-Fri 08:00-17:00",
            networks=networks,
            days_ago=stale_or_fresh(),
            **common,
        )
    if rng.random() < 0.5:
        ngo = _authority(state, NGO[local], "victim_support_ngo")
        created += _entry(
            rng,
            authority=ngo,
            name=person(),
            kind="person",
            position="Victim referral coordinator",
            competences=["victim_referral", "victim_protection", "witness_protection"],
            phone=phone(5),
            office_hours="Mon-Fri 08:00-18:00",
            networks=networks,
            days_ago=stale_or_fresh(),
            **common,
        )
    return created


def seed(*, stdout) -> None:
    networks = _ensure_networks()
    created = 0
    for state in REDTRAM_STATES + WACAP_STATES + TIPP_ONLY_STATES:
        rng = _Draws(f"counterpart-directory-{state}")
        created += _seed_state(rng, state, _networks_for(state, networks))
    total = ContactPoint.objects.count()
    stale = ContactPoint.objects.stale().count()
    stdout.write(f"directory: {created} contact points created ({total} in all, {stale} stale)")
