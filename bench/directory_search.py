#!/usr/bin/env python
"""Directory search benchmark: 100,000 contact points in PostgreSQL, indexed search against a
naive `icontains` scan over the same data, in the same run.

    .venv/bin/python bench/directory_search.py [--contact-points 100000] [--rounds 40]

The database is the benchmark's own: BENCH_DATABASE_URL, else DATABASE_URL's server with the
database name `<name>_bench_directory`, else postgres://postgres@127.0.0.1:5432/
counterpart_bench_directory. It is created when missing and its directory tables are emptied
and reloaded on every run (with COPY). Prints p50/p95 per query kind and the EXPLAIN ANALYZE
of the main queries.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/counterpart_bench_directory"


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = parts.path.lstrip("/") or "counterpart"
        return urlunsplit(parts._replace(path=f"/{name}_bench_directory"))
    return DEFAULT_URL


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Loading 100,000 rows with their GIN indexes takes longer than the service's timeout.
    os.environ.setdefault("COUNTERPART_DB_STATEMENT_TIMEOUT_MS", "600000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- data -------------------------------------------------------------------------------

SURNAMES = [
    "Pérez", "Gómez", "Rodríguez", "Muñoz", "Hernández", "Castañeda", "Núñez", "Ibáñez",
    "Araújo", "Gonçalves", "Magalhães", "Simões", "Diallo", "Traoré", "Ndiaye", "Ouédraogo",
    "Okafor", "Mensah", "Adeyemi", "Boateng", "Bello", "Owusu", "Rossi", "Popescu", "Novak",
]  # fmt: skip
GIVEN = [
    "María", "José", "Lucía", "Andrés", "Inés", "Óscar", "João", "Conceição", "Aïssatou",
    "Sékou", "Chidi", "Ngozi", "Kwame", "Grace", "Ana", "Luís", "Fatou", "Moussa",
]  # fmt: skip
INSTITUTION_PATTERNS = [
    ("prosecution_service", "Fiscalía General de la Nación"),
    ("prosecution_service", "Procuradoria-Geral da República"),
    ("prosecution_service", "Parquet général près la Cour d'appel"),
    ("mla_central_authority", "Ministère de la Justice"),
    ("mla_central_authority", "Ministerio de Justicia — Cooperación Jurídica Internacional"),
    ("police_unit", "Policía Nacional — Unidad contra la Trata de Personas"),
    ("police_unit", "National Police — Anti-Human Trafficking Unit"),
    ("anti_trafficking_agency", "National Agency for the Prohibition of Trafficking (NAPTIP)"),
    ("fiu", "Unidad de Información y Análisis Financiero"),
    ("labour_inspectorate", "Inspection du Travail"),
    ("victim_support_ngo", "Fundación Camino Libre"),
    ("judiciary", "Tribunal Superior de Justiça"),
]
NOTES = [
    "Enviar solicitudes en español; se acepta inglés para contactos urgentes de ECI.",
    "Pedidos em português; espanhol aceito.",
    "Demandes d'entraide en français, copie par courriel chiffré.",
    "Send requests in English; call the duty number for urgent matters.",
    "",
]
LANGUAGES = ["es", "pt", "fr", "en", "ar", "it", "de", "nl"]


def load(count: int, rng: random.Random) -> float:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from directory.competences import Competence
    from directory.models import Authority, ContactPoint, ContactPointCompetence
    from directory.models import ContactPointLanguage as Language
    from directory.text import fold
    from network.iso import state_names
    from network.models import Network

    started = time.perf_counter()
    networks = [
        Network.objects.get_or_create(
            slug=slug, defaults={"name": slug.upper(), "directory_verification_days": days}
        )[0]
        for slug, days in (("redtram", 180), ("wacap", 365), ("tipp", 365))
    ]
    states = sorted(state_names())
    tables = [
        model._meta.db_table
        for model in (Language, ContactPointCompetence, ContactPoint, Authority)
    ]
    through = ContactPoint.networks.through._meta.db_table
    competences = list(Competence.values)
    now = datetime.now(UTC)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {through}, {', '.join(tables)} RESTART IDENTITY CASCADE")
        raw = connection.connection
        authorities = []
        with raw.cursor() as cur:
            with cur.copy(
                f"COPY {Authority._meta.db_table} (id, name, kind, state, address, website, "
                "created_at) FROM STDIN"
            ) as copy:
                pk = 0
                for state in states:
                    for kind, name in INSTITUTION_PATTERNS:
                        pk += 1
                        authorities.append((pk, state, name))
                        copy.write_row((pk, f"{name} ({state})", kind, state, "", "", now))
            with cur.copy(
                f"COPY {ContactPoint._meta.db_table} (id, authority_id, state, kind, name, "
                "position, phone, email, availability, office_hours, time_zone, how_to_reach, "
                "request_languages, formal_requirements, required_channel, verified_at, "
                "verification_due_at, authority_text, person_text, search_text, created_at) "
                "FROM STDIN"
            ) as copy:
                rows_networks, rows_competences, rows_languages = [], [], []
                for pk in range(1, count + 1):
                    # Skewed: a third of the entries in the 40 busiest states.
                    authority_id, state, institution = (
                        rng.choice(authorities[: 40 * len(INSTITUTION_PATTERNS)])
                        if rng.random() < 0.33
                        else rng.choice(authorities)
                    )
                    name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {pk}"
                    position = rng.choice(["Fiscal", "Procurador", "Investigator", "Desk", ""])
                    notes = rng.choice(NOTES)
                    served = rng.sample(networks, rng.randint(1, 2))
                    period = min(n.directory_verification_days for n in served)
                    verified = now - timedelta(days=rng.randint(0, 600))
                    person_text = fold(f"{name} {position}")
                    authority_text = fold(f"{institution} ({state})")
                    copy.write_row(
                        (
                            pk, authority_id, state, "person", name, position,
                            f"+{rng.randint(10**10, 10**11 - 1)}", f"cp{pk}@example.org",
                            "office_hours", "Mon-Fri 09:00-17:00", "UTC", notes,
                            '["en"]', "", "", verified, verified + timedelta(days=period),
                            authority_text, person_text,
                            f"{person_text} {authority_text} {fold(notes)}".strip(), now,
                        )
                    )  # fmt: skip
                    rows_networks += [(pk, network.pk) for network in served]
                    rows_competences += [
                        (pk, code, state) for code in rng.sample(competences, rng.randint(1, 3))
                    ]
                    spoken = rng.sample(LANGUAGES, rng.randint(1, 3))
                    rows_languages += [(pk, code, "working") for code in spoken]
            for table, columns, rows in (
                (through, "contactpoint_id, network_id", rows_networks),
                (ContactPointCompetence._meta.db_table, "contact_point_id, competence, state",
                 rows_competences),
                (Language._meta.db_table, "contact_point_id, language, level", rows_languages),
            ):  # fmt: skip
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Authority, ContactPoint]
            ):
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- queries ----------------------------------------------------------------------------


def query_mix(rng: random.Random, rounds: int) -> dict[str, list[dict]]:
    from directory.competences import Competence
    from network.iso import state_names

    states = sorted(state_names())
    busy = states[:40]
    competences = list(Competence.values)
    texts_plain = ["fiscalia", "perez", "goncalves", "traore", "naptip", "ouedraogo", "trata"]
    texts_accented = ["Fiscalía", "Pérez", "Gonçalves", "Traoré", "Ouédraogo", "Núñez"]
    return {
        "state + competence": [
            {"state": rng.choice(busy), "competence": rng.choice(competences)}
            for _ in range(rounds)
        ],
        "state + competence + language": [
            {
                "state": rng.choice(busy),
                "competence": rng.choice(competences),
                "language": rng.choice(LANGUAGES[:4]),
            }
            for _ in range(rounds)
        ],
        "language + network": [
            {"language": rng.choice(LANGUAGES), "network": rng.choice(["redtram", "wacap"])}
            for _ in range(rounds)
        ],
        "free text, no accents": [{"q": rng.choice(texts_plain)} for _ in range(rounds)],
        "free text, accents": [{"q": rng.choice(texts_accented)} for _ in range(rounds)],
        "free text + state + competence": [
            {
                "q": rng.choice(texts_plain + texts_accented),
                "state": rng.choice(busy),
                "competence": rng.choice(competences),
            }
            for _ in range(rounds)
        ],
    }


def indexed(params: dict, viewer):
    from directory.search import parse_search_params, search_contact_points

    return search_contact_points(parse_search_params(params), viewer=viewer)


def naive(params: dict):
    """What one writes without the folded columns and indexes: joins and icontains scans."""
    from django.db.models import Q

    from directory.models import ContactPoint

    queryset = ContactPoint.objects.select_related("authority").prefetch_related(
        "competences", "languages", "networks"
    )
    if params.get("state"):
        queryset = queryset.filter(state=params["state"])
    if params.get("competence"):
        queryset = queryset.filter(competences__competence=params["competence"])
    if params.get("language"):
        queryset = queryset.filter(languages__language=params["language"])
    if params.get("network"):
        queryset = queryset.filter(networks__slug=params["network"])
    for word in params.get("q", "").split():
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(position__icontains=word)
            | Q(authority__name__icontains=word)
            | Q(how_to_reach__icontains=word)
        )
    return queryset.distinct().order_by("-verified_at", "pk")


def run_page(queryset) -> tuple[float, int]:
    """What the page and the API do: count, then the first page with its prefetches."""
    started = time.perf_counter()
    total = queryset.count()
    list(queryset[:25])
    return (time.perf_counter() - started) * 1000, total


def server_time(queryset) -> float:
    """PostgreSQL's own execution time of the page query (EXPLAIN ANALYZE), in ms: the part
    the indexes decide, without client round trips."""
    plan = queryset[:25].explain(analyze=True, timing=False)
    line = next(line for line in plan.splitlines() if line.startswith("Execution Time"))
    return float(line.split(":")[1].split()[0])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contact-points", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = bench_database_url()
    ensure_database(url)
    setup_django(url)
    from django.db import connection

    from directory.visibility import Viewer

    rng = random.Random(args.seed)
    seconds = load(args.contact_points, rng)
    print(f"loaded {args.contact_points:,} contact points in {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0].split(",")[0])
    member = Viewer(user=None, network_ids=frozenset({1}))
    mix = query_mix(rng, args.rounds)
    header = (
        f"{'query kind':32} {'indexed p50/p95':>16} {'(SQL)':>13} "
        f"{'naive p50/p95':>16} {'(SQL)':>13}  hits indexed/naive (first query)"
    )
    print(header)
    print("-" * len(header))
    for kind, params_list in mix.items():
        for params in params_list[:3]:  # warm caches for both
            run_page(indexed(params, member))
            run_page(naive(params))
        fast, fast_sql, slow, slow_sql = [], [], [], []
        for params in params_list:
            fast.append(run_page(indexed(params, member))[0])
            fast_sql.append(server_time(indexed(params, member)))
            slow.append(run_page(naive(params))[0])
            slow_sql.append(server_time(naive(params)))
        hits = (run_page(indexed(params_list[0], member))[1], run_page(naive(params_list[0]))[1])

        def pair(values):
            return f"{percentile(values, 0.5):6.1f}/{percentile(values, 0.95):6.1f}"

        print(
            f"{kind:32} {pair(fast):>16} {pair(fast_sql):>13} {pair(slow):>16} "
            f"{pair(slow_sql):>13}  {hits[0]}/{hits[1]} {params_list[0]}"
        )
    print("(milliseconds; SQL = PostgreSQL execution time of the page query)")
    print()
    for kind in ("state + competence", "free text, accents", "free text + state + competence"):
        params = mix[kind][0]
        print(f"EXPLAIN ANALYZE — {kind} {params}")
        print(indexed(params, member)[:25].explain(analyze=True))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
