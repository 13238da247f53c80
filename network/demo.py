"""Demo data: the three networks with their real member states and fictional people.

Every membership is built through `network.vetting.actions`, so the decisions and the audit log are
real. Idempotent: a network that already has memberships is left alone. One demo password is
generated on the first run, kept in `VAR_DIR/demo_password` (mode 0600) and reused.
"""

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from network.accounts.models import User
from network.models import Membership, Network
from network.origin import site_origin
from network.vetting import actions, admission, networks

DEMO_FILE = "demo_password"

# fmt: off
NETWORKS = [
    {
        "slug": "redtram",
        "name": "REDTRAM",
        "region": "Ibero-America",
        "description": (
            "Red Iberoamericana de Fiscales Especializados contra la Trata de Personas y el "
            "Tráfico Ilícito de Migrantes, of the Ibero-American Association of Public "
            "Prosecutors (AIAMP)."
        ),
        "working_languages": ["es", "pt"],
        # The Ibero-American states of AIAMP.
        "member_states": [
            "AD", "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "SV", "GT", "HN", "MX",
            "NI", "PA", "PY", "PE", "PT", "ES", "UY", "VE",
        ],
        "required_endorsements": 2,
        "revetting_period_days": 365,
        "directory_verification_days": 180,
    },
    {
        "slug": "wacap",
        "name": "WACAP",
        "region": "West Africa",
        "description": (
            "West African Network of Central Authorities and Prosecutors against Organized "
            "Crime: the ECOWAS states and Mauritania."
        ),
        "working_languages": ["en", "fr", "pt"],
        "member_states": [
            "BJ", "BF", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "ML", "NE", "NG", "SN", "SL",
            "TG", "MR",
        ],
        "required_endorsements": 2,
        "revetting_period_days": 365,
        "directory_verification_days": 120,
        # Members are designated by their states: two seats per state and seat role.
        "admission": "designation",
        "seats_per_state": 2,
    },
    {
        "slug": "tipp",
        "name": "TIPP network (IAP)",
        "region": "Worldwide",
        "description": (
            "The International Association of Prosecutors' network of prosecutors "
            "specialised in trafficking in persons."
        ),
        "working_languages": ["en", "fr", "es", "ar"],
        "member_states": [
            "AR", "AU", "AT", "BD", "BE", "BR", "CA", "CL", "CO", "CZ", "DE", "DK", "EG", "ES",
            "ET", "FI", "FR", "GB", "GH", "GR", "ID", "IE", "IN", "IT", "JO", "JP", "KE", "KR",
            "LB", "MA", "MX", "MY", "NG", "NL", "NO", "NP", "NZ", "PE", "PH", "PK", "PL", "PT",
            "RO", "RS", "SE", "SG", "TH", "TN", "TR", "UA", "UG", "US", "UY", "VN", "ZA", "ZM",
        ],
        "required_endorsements": 3,
        "revetting_period_days": 730,
        "directory_verification_days": 365,
        "admission": "declaration",
    },
]
# fmt: on


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    state: str
    institution: str
    position: str
    languages: tuple[str, ...]
    time_zone: str


# fmt: off
PEOPLE = {
    person.email: person
    for person in [
        # REDTRAM
        Person("lucia.fernandez@example.org", "Lucía Fernández Ortega", "ES",
               "Fiscalía General del Estado, Fiscalía de Sala de Extranjería",
               "Fiscal coordinadora", ("es", "en", "pt"), "Europe/Madrid"),
        Person("ricardo.almeida@example.org", "Ricardo Almeida Santos", "BR",
               "Ministério Público Federal", "Procurador da República", ("pt", "es"),
               "America/Sao_Paulo"),
        Person("mariana.quiroga@example.org", "Mariana Quiroga", "AR",
               "Procuraduría de Trata y Explotación de Personas (PROTEX)", "Fiscal", ("es", "en"),
               "America/Argentina/Buenos_Aires"),
        Person("javier.hernandez@example.org", "Javier Hernández Ríos", "MX",
               "Fiscalía General de la República, FEVIMTRA", "Agente del Ministerio Público",
               ("es", "en"), "America/Mexico_City"),
        Person("camila.rojas@example.org", "Camila Rojas Pizarro", "CL",
               "Fiscalía Nacional, Unidad Especializada en Crimen Organizado", "Fiscal adjunta",
               ("es",), "America/Santiago"),
        Person("andres.gomez@example.org", "Andrés Felipe Gómez", "CO",
               "Fiscalía General de la Nación", "Fiscal especializado contra la trata",
               ("es", "en"), "America/Bogota"),
        Person("sofia.villalobos@example.org", "Sofía Villalobos Mora", "CR",
               "Ministerio Público, Fiscalía Adjunta contra la Trata de Personas",
               "Fiscal adjunta", ("es",), "America/Costa_Rica"),
        Person("ines.carvalho@example.org", "Inês Carvalho Ferreira", "PT",
               "Procuradoria-Geral da República, DCIAP", "Procuradora da República",
               ("pt", "es", "en"), "Europe/Lisbon"),
        Person("diego.martinez@example.org", "Diego Martínez Acosta", "UY",
               "Fiscalía General de la Nación", "Fiscal letrado", ("es", "pt"),
               "America/Montevideo"),
        Person("rosa.mamani@example.org", "Rosa Elena Mamani", "BO",
               "Ministerio Público, Fiscalía Especializada en Trata y Tráfico",
               "Fiscal de materia", ("es",), "America/La_Paz"),
        Person("gabriel.torres@example.org", "Gabriel Torres Vega", "PE",
               "Ministerio Público, Fiscalía Especializada en Delitos de Trata de Personas",
               "Fiscal provincial", ("es",), "America/Lima"),
        Person("hector.ramirez@example.org", "Héctor Ramírez Solís", "GT",
               "Ministerio Público, Fiscalía contra la Trata de Personas", "Auxiliar fiscal",
               ("es",), "America/Guatemala"),
        Person("carmen.pena@example.org", "Carmen Liz Peña", "DO",
               "Procuraduría Especializada contra el Tráfico Ilícito de Migrantes y la Trata",
               "Procuradora fiscal", ("es", "en"), "America/Santo_Domingo"),
        # WACAP
        Person("adaeze.okonkwo@example.net", "Adaeze Okonkwo", "NG",
               "Federal Ministry of Justice, Central Authority Unit", "Deputy Director", ("en",),
               "Africa/Lagos"),
        Person("mamadou.diallo@example.net", "Mamadou Diallo", "SN",
               "Ministère de la Justice, Direction des Affaires criminelles et des Grâces",
               "Magistrat, point focal", ("fr", "en"), "Africa/Dakar"),
        Person("kwame.asante@example.net", "Kwame Mensah Asante", "GH",
               "Office of the Attorney-General, Prosecutions Division", "Principal State Attorney",
               ("en",), "Africa/Accra"),
        Person("aicha.traore@example.net", "Aïcha Traoré", "ML",
               "Pôle judiciaire spécialisé contre la criminalité transnationale organisée",
               "Substitute du procureur", ("fr",), "Africa/Bamako"),
        Person("yao.kouassi@example.net", "Yao Koffi Kouassi", "CI",
               "Parquet du Tribunal de première instance d'Abidjan", "Procureur adjoint",
               ("fr", "en"), "Africa/Abidjan"),
        Person("fatoumata.bah@example.net", "Fatoumata Bah", "GN",
               "Ministère de la Justice, Direction nationale des affaires criminelles",
               "Magistrate", ("fr",), "Africa/Conakry"),
        Person("joao.tavares@example.net", "João Tavares Lopes", "CV",
               "Procuradoria-Geral da República", "Procurador da República", ("pt", "fr"),
               "Atlantic/Cape_Verde"),
        Person("abdoulaye.cheikh@example.net", "Abdoulaye Ould Cheikh", "MR",
               "Parquet général près la Cour suprême", "Substitut du procureur général",
               ("fr", "ar"), "Africa/Nouakchott"),
        Person("isatou.jallow@example.net", "Isatou Jallow", "GM",
               "Ministry of Justice, Attorney General's Chambers", "State Counsel", ("en",),
               "Africa/Banjul"),
        Person("komlan.agbeko@example.net", "Komlan Agbeko", "TG",
               "Tribunal de première instance de Lomé", "Procureur de la République", ("fr",),
               "Africa/Lome"),
        Person("musa.kamara@example.net", "Musa Kamara", "SL", "Law Officers' Department",
               "State Counsel", ("en",), "Africa/Freetown"),
        Person("aminata.ouedraogo@example.net", "Aminata Ouédraogo", "BF",
               "Tribunal de grande instance Ouaga I", "Procureure du Faso adjointe", ("fr",),
               "Africa/Ouagadougou"),
        Person("efua.boateng@example.net", "Efua Boateng", "GH",
               "Office of the Attorney-General, Prosecutions Division", "Senior State Attorney",
               ("en",), "Africa/Accra"),
        Person("kofi.owusu@example.net", "Kofi Owusu", "GH",
               "Office of the Attorney-General, Prosecutions Division", "State Attorney",
               ("en",), "Africa/Accra"),
        # TIPP
        Person("margaret.osullivan@example.org", "Margaret O'Sullivan", "IE",
               "Office of the Director of Public Prosecutors", "Senior Prosecutor", ("en", "fr"),
               "Europe/Dublin"),
        Person("nomvula.dlamini@example.org", "Nomvula Dlamini", "ZA",
               "National Prosecuting Authority, Sexual Offences and Community Affairs",
               "Senior State Advocate", ("en", "zu"), "Africa/Johannesburg"),
        Person("maria.reyes@example.org", "Maria Santos Reyes", "PH",
               "Department of Justice, Inter-Agency Council Against Trafficking",
               "Senior Assistant State Prosecutor", ("en", "tl"), "Asia/Manila"),
        Person("thomas.becker@example.org", "Thomas Becker", "DE", "Staatsanwaltschaft Berlin",
               "Oberstaatsanwalt", ("de", "en"), "Europe/Berlin"),
        Person("anan.chaiyaporn@example.org", "Anan Chaiyaporn", "TH",
               "Office of the Attorney General, Department of Trafficking in Persons Litigation",
               "Public Prosecutor", ("th", "en"), "Asia/Bangkok"),
        Person("claire.dubois@example.org", "Claire Dubois", "FR",
               "Parquet de Paris, section de lutte contre la criminalité organisée",
               "Vice-procureure", ("fr", "en"), "Europe/Paris"),
        Person("samuel.kiprono@example.org", "Samuel Kiprono", "KE",
               "Office of the Director of Public Prosecutions",
               "Senior Principal Prosecution Counsel", ("en", "sw"), "Africa/Nairobi"),
        Person("layla.haddad@example.org", "Layla Haddad", "JO",
               "Public Prosecution, Anti-Human Trafficking Unit", "Public Prosecutor",
               ("ar", "en"), "Asia/Amman"),
        Person("emily.carter@example.org", "Emily Carter", "US",
               "Department of Justice, Human Trafficking Prosecution Unit", "Trial Attorney",
               ("en", "es"), "America/New_York"),
        Person("pavel.novak@example.org", "Pavel Novák", "CZ",
               "Supreme Public Prosecutor's Office", "Public Prosecutor", ("cs", "en"),
               "Europe/Prague"),
        Person("nguyen.lan@example.org", "Nguyễn Thị Lan", "VN", "Supreme People's Procuracy",
               "Procurator", ("vi", "en"), "Asia/Ho_Chi_Minh"),
        Person("ahmed.elsayed@example.org", "Ahmed El-Sayed", "EG",
               "Public Prosecution, Human Trafficking Unit", "Chief Prosecutor",
               ("ar", "en", "fr"), "Africa/Cairo"),
        Person("daniel.wright@example.org", "Daniel Wright", "AU", "Wright Compliance Consulting",
               "Consultant", ("en",), "Australia/Sydney"),
    ]
}
# fmt: on

# Per network, in order: who joins and how their membership ends up. Fates:
# "coordinator" (appointed by an operator), "member" (applies, is endorsed and approved),
# "due_soon" (a member whose re-vetting is due in a fortnight), "suspended", "revoked",
# "rejected", "endorsed" (awaiting a decision), "pending:N" (N endorsements so far).
MEMBERSHIPS = {
    "redtram": [
        ("lucia.fernandez@example.org", "coordinator"),
        ("ricardo.almeida@example.org", "coordinator"),
        ("mariana.quiroga@example.org", "member"),
        ("javier.hernandez@example.org", "member"),
        ("camila.rojas@example.org", "member"),
        ("andres.gomez@example.org", "member"),
        ("sofia.villalobos@example.org", "member"),
        ("ines.carvalho@example.org", "member"),
        ("diego.martinez@example.org", "member"),
        ("rosa.mamani@example.org", "due_soon"),
        ("gabriel.torres@example.org", "endorsed"),
        ("hector.ramirez@example.org", "pending:1"),
        ("carmen.pena@example.org", "pending:0"),
    ],
    "wacap": [
        ("adaeze.okonkwo@example.net", "coordinator"),
        ("mamadou.diallo@example.net", "coordinator"),
        # Ghana's two prosecutor seats: Efua Boateng (designated first), Kwame Asante.
        ("efua.boateng@example.net", "member"),
        ("kwame.asante@example.net", "member"),
        ("aicha.traore@example.net", "member"),
        ("yao.kouassi@example.net", "member"),
        ("fatoumata.bah@example.net", "member"),
        ("joao.tavares@example.net", "member"),
        ("abdoulaye.cheikh@example.net", "member"),
        ("isatou.jallow@example.net", "member"),
        ("komlan.agbeko@example.net", "suspended"),
        ("aminata.ouedraogo@example.net", "endorsed"),
        ("musa.kamara@example.net", "pending:1"),
        # Kofi Owusu's designation to a Ghanaian prosecutor seat awaits a coordinator: both
        # seats are held, so admitting him replaces Efua Boateng (designated longest ago).
        ("kofi.owusu@example.net", "pending:0"),
    ],
    "tipp": [
        ("margaret.osullivan@example.org", "coordinator"),
        ("nomvula.dlamini@example.org", "coordinator"),
        ("maria.reyes@example.org", "coordinator"),
        ("thomas.becker@example.org", "member"),
        ("anan.chaiyaporn@example.org", "member"),
        ("claire.dubois@example.org", "member"),
        ("samuel.kiprono@example.org", "member"),
        ("layla.haddad@example.org", "member"),
        ("emily.carter@example.org", "member"),
        ("lucia.fernandez@example.org", "member"),
        ("adaeze.okonkwo@example.net", "member"),
        ("pavel.novak@example.org", "revoked"),
        ("daniel.wright@example.org", "rejected"),
        ("nguyen.lan@example.org", "pending:2"),
        ("ahmed.elsayed@example.org", "pending:0"),
    ],
}

ENDORSEMENT_STATEMENTS = [
    "We worked together on a joint investigation; I know their unit and their work.",
    "Met at the regional meeting of specialised prosecutors; their post is confirmed.",
    "We exchanged several mutual legal assistance requests on trafficking cases.",
    "I have known them for years as the contact point for trafficking cases in their state.",
]


def seed(*, stdout) -> None:
    password = demo_password()
    for spec in NETWORKS:
        network = Network.objects.filter(slug=spec["slug"]).first()
        if network is None:
            network = networks.create_network(**spec)
        if network.memberships.exists():
            stdout.write(f"{network.name}: already seeded")
            continue
        for email, fate in MEMBERSHIPS[network.slug]:
            _join(network, _person(email), fate)
        stdout.write(f"{network.name}: {network.memberships.count()} demo memberships created")
    _ensure_password(password)
    _print_sign_in(stdout, password)


def demo_password() -> str:
    """The demo password: generated once, then read from VAR_DIR (mode 0600)."""
    path = settings.VAR_DIR / DEMO_FILE
    if path.exists():
        existing = path.read_text().strip()
        if existing:
            return existing
        path.unlink()
    password = secrets.token_urlsafe(15)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password


def _person(email: str) -> User:
    person = PEOPLE[email]
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    return User.objects.create_user(
        email,
        password=None,
        display_name=person.name,
        institution=person.institution,
        position=person.position,
        state=person.state,
        languages=list(person.languages),
        preferred_language=next(
            (code for code in person.languages if code in {"en", "es", "fr", "pt", "ar"}), "en"
        ),
        time_zone=person.time_zone,
    )


def _join(network: Network, user: User, fate: str) -> None:
    coordinators = _active(network, Membership.Role.COORDINATOR)
    if fate == "coordinator":
        actions.appoint_coordinator(
            network=network,
            user=user,
            reason=f"Designated by the network's founding members as a coordinator of "
            f"{network.name}.",
        )
        return
    membership = actions.apply_to_network(
        user=user,
        network=network,
        institution=user.institution,
        position=user.position,
        statement=f"I work on trafficking-in-persons cases as {user.position} at "
        f"{user.institution} and need trusted counterparts in the {network.name} states.",
        nominating_authority=user.institution.split(",")[0],
        **_admission_fields(network, user),
    )
    wanted = admission.endorsements_needed(network)
    if fate.startswith("pending:") and network.admission == "sponsorship":
        wanted = int(fate.split(":")[1])
    _endorse(membership, user, wanted)
    if fate.startswith("pending:") or fate == "endorsed":
        return
    endorsers = set(actions.current_endorsements(membership).values_list("endorser", flat=True))
    # Admission takes two people: the deciding coordinator has not endorsed the applicant.
    decider = next((c for c in coordinators if c.pk not in endorsers), coordinators[0])
    if fate == "rejected":
        actions.reject_membership(
            membership=membership,
            coordinator=decider,
            reason="Not a practitioner of a public authority; the network admits prosecutors "
            "and central authorities only.",
        )
        return
    actions.approve_membership(
        membership=membership,
        coordinator=decider,
        reason=APPROVAL_REASONS[network.admission].format(
            wanted=wanted, authority=user.institution.split(",")[0]
        ),
    )
    if fate == "due_soon":
        # Demo: this member was vetted almost a year ago, so re-vetting is due soon.
        Membership.objects.filter(pk=membership.pk).update(
            renew_by=timezone.localdate() + timedelta(days=14)
        )
    elif fate == "suspended":
        actions.suspend_membership(
            membership=membership,
            coordinator=coordinators[-1],
            reason="Reported to have left the prosecution service; suspended until the "
            "ministry confirms the post.",
        )
    elif fate == "revoked":
        actions.revoke_membership(
            membership=membership,
            coordinator=coordinators[-1],
            reason="Shared contact details of network members outside the network's purposes.",
        )


APPROVAL_REASONS = {
    "sponsorship": "{wanted} endorsements from members who know the applicant's work; post "
    "confirmed with {authority}.",
    "declaration": "Declared expertise confirmed with {authority}.",
    "designation": "Designation letter checked; seat confirmed with {authority}.",
}
# A stand-in designation letter (a minimal PDF) for the demo's designations.
DEMO_LETTER = b"%PDF-1.4\n% Demo designation letter\n%%EOF\n"


def _admission_fields(network: Network, user: User) -> dict:
    if network.admission == "declaration":
        return {
            "declaration": f"{user.position} at {user.institution}: trafficking-in-persons "
            "prosecutions, victim referral and mutual legal assistance."
        }
    if network.admission == "designation":
        central = any(word in user.institution for word in ("Central", "Ministry", "Ministère"))
        return {
            "seat_state": user.state,
            "seat_role": "central_authority" if central else "judge_prosecutor",
            "letter": DEMO_LETTER,
            "letter_content_type": "application/pdf",
        }
    return {}


def _endorse(membership: Membership, user: User, wanted: int) -> None:
    network = membership.network
    endorsers = [
        m.user
        for m in Membership.objects.active()
        .filter(network=network)
        .exclude(user=user)
        .select_related("user")
        .order_by("-role", "-activated_at", "-pk")  # members before coordinators
    ]
    for index, endorser in enumerate(endorsers[:wanted]):
        actions.endorse(
            membership=membership,
            endorser=endorser,
            statement=ENDORSEMENT_STATEMENTS[(membership.pk + index) % len(ENDORSEMENT_STATEMENTS)],
        )


def _active(network: Network, role: str) -> list[User]:
    return [
        m.user
        for m in Membership.objects.active()
        .filter(network=network, role=role)
        .select_related("user")
        .order_by("pk")
    ]


def _ensure_password(password: str) -> None:
    """Give every demo account the demo password (again, if the password file was lost)."""
    demo_users = User.objects.filter(email__in=PEOPLE)
    probe = demo_users.order_by("pk").first()
    if probe is not None and not probe.check_password(password):
        demo_users.update(password=make_password(password))


def _print_sign_in(stdout, password: str) -> None:
    origin = site_origin()
    stdout.write(
        "\nDemo sign-in\n"
        f"  page:         {origin}{reverse(settings.LOGIN_URL)}\n"
        "  coordinator:  lucia.fernandez@example.org (REDTRAM coordinator, TIPP member)\n"
        "  member:       kwame.asante@example.net (WACAP member)\n"
        f"  password:     {password}  (every demo account; kept in "
        f"{settings.VAR_DIR / DEMO_FILE})\n"
        "  second factor: COUNTERPART_DEMO=1 python manage.py demo_code EMAIL prints the "
        "current code\n"
    )
