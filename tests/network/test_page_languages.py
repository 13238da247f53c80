"""Every page in the reader's language: each HTML page of the project (tests/security/
matrix_pages.py), rendered for the actor who sees the most of it, in English and in each
translated language, holds no English left untranslated and no raw code.

A page's words are its text nodes and the attributes people read (title, aria-label,
placeholder, alt, the labels handed to scripts in data-t-*), minus what is marked as being
in another language (`lang`). In a translated language a page is wrong when

- a piece of text reads exactly as on the English page and is neither data of the world
  (names, titles, numbers, addresses), nor something the language's catalogue translates
  identically ("Notifications" in French) — this finds strings never marked for
  translation as well as translations missing from a catalogue;
- an English source string that the catalogue translates differently appears in it;
- a code shows where a name belongs: a competence (`jit.authorize`), a value of a choices
  list ("suspended"), an ISO state or language code ("ES", "es"), a network's slug.
"""

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.security.matrix_pages import html_pages
from tests.security.matrix_world import ACTORS, World, build_world

TRANSLATED = ("es", "fr", "pt", "ar")
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
# Scripts and styles are not read; <code> and <kbd> hold literal input ("es;en"), not words.
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd"}
# The people of the world, named as people are (not "Owner", which is also an English word).
NAMES = {
    "applicant": "Amaka Obi",
    "suspended": "Rui Tavares",
    "revoked": "Lina Haddad",
    "expired": "Pablo Ortega",
    "other_network": "Inés Cabrera",
    "not_in_room": "Chidi Eze",
    "participant": "Marta Quispe",
    "owner": "Adaeze Okafor",
    "coordinator": "Joseph Mensah",
    "translator": "Lucía Vargas",
    "support": "Nadia Okafor",
    "observer": "Ama Boateng",
    "guest": "Efua Mensah",
}
# Text of the world that is data, not interface: shown as written in every language.
WORLD_TEXT = (
    *NAMES.values(),
    "Counterpart",
    "TIPP network",
    "REDTRAM",
    "Operation Lantern",
    "Recruitment agency",
    "Witness statements",
    "La víctima fue trasladada desde el puerto hasta la capital por una red organizada.",
    "map.png",
    "Fiscalía General del Estado",
    "Fiscalía General",
    "Juana Pérez",
    "The phone number changed.",
    "The channel for a request for mutual legal assistance.",
    "A colleague",
    "We worked together.",
    "Prosecutor",
    "TIP.",
    "laptop",
    "key",
    "ES: DP 123/2025",  # the example of a case tag, as it is typed
    "Ngozi Okafor",
    "National Agency for the Prohibition of Trafficking in Persons",
    "JIT Lantern",
    "JIT Harbour",
    "Trace the proceeds.",
    "Elena Autoriza",
    "Fiscalía de Sala de Extranjería",
    "Dismantle the recruitment network.",
    "Madrid, Lagos.",
    "Places",
    "Order 4/2026",  # the world's export: its legal basis, and its hold's reason
    "Trial pending",
    "Grace Guest",  # the pending guest proposal: its name, organisation and purpose
    "Shelter Network",
    "Victim support.",
)
DATA_PATTERNS = (
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+",  # e-mail addresses
    r"https?://\S+",
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    r"\b[0-9a-f]{16,}\b",  # digests
    r"\b[A-Z2-7]{4}(?: [A-Z2-7]{4}){3,}\b",  # an authenticator's secret, in groups
    r"\b[HABCX][0-4]\b",  # handling and evaluation codes, explained by their legends
    r"\bUTC\b|\bGMT\b",
)


class PageWords(HTMLParser):
    """The pieces of text a reader meets on a page, in the page's language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.language = None
        self.stack: list[tuple[str, bool]] = []  # (tag, in another language or skipped)
        self.pieces: list[str] = []
        self.examples: set[str] = set()  # placeholders: examples of input, codes allowed

    def _elsewhere(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.language = attrs.get("lang")
        elsewhere = self._elsewhere() or tag in SKIPPED_ELEMENTS
        if "lang" in attrs and tag != "html" and attrs["lang"] != self.language:
            elsewhere = True
        if not elsewhere:
            for name, value in attrs.items():
                if value and (name in READ_ATTRIBUTES or name.startswith("data-t-")):
                    self._add(value)
                if name == "placeholder" and value:
                    self.examples.add(" ".join(value.split()))
                if name == "value" and value and tag == "input" and attrs.get("type") == "submit":
                    self._add(value)
        if tag not in ("meta", "link", "input", "br", "img", "hr", "source", "wbr"):
            self.stack.append((tag, elsewhere))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._elsewhere():
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.pieces.append(text)


def words_of(html: str) -> tuple[list[str], set[str]]:
    """The page's pieces of text, and those of them that are examples of input."""
    parser = PageWords()
    parser.feed(html)
    return parser.pieces, parser.examples


# --- What the catalogues say ----------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%[sd]")


@cache
def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _as_pattern(text: str) -> str:
    parts = PLACEHOLDER.split(text)
    return ".+?".join(re.escape(" ".join(part.split())) for part in parts)


@cache
def same_in(language: str) -> re.Pattern:
    """The strings that the language writes as English does (its translation is the
    source itself): they may stand on both pages."""
    texts = set()
    for entry in catalogue(language):
        if entry.msgid_plural:
            forms = {entry.msgid, entry.msgid_plural}
            texts.update(forms & set(entry.msgstr_plural.values()))
        elif entry.msgstr == entry.msgid:
            texts.add(entry.msgid)
    alternatives = sorted((_as_pattern(t) for t in texts if t.strip()), key=len, reverse=True)
    return re.compile("|".join(f"(?<!\\w){a}(?!\\w)" for a in alternatives) or "(?!)")


@cache
def english_sources(language: str) -> list[tuple[str, re.Pattern, bool]]:
    """The English source strings that the language translates otherwise, as patterns, and
    whether the pattern must match the whole piece."""
    sources = []
    for entry in catalogue(language):
        translations = set(entry.msgstr_plural.values()) if entry.msgid_plural else {entry.msgstr}
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            literal = PLACEHOLDER.sub(" ", source)
            if source in translations or len(re.sub(r"[^A-Za-z]", "", literal)) < 3:
                continue
            if PLACEHOLDER.search(source) and len(literal.split()) < 2:
                continue  # one word and a value: "Application %(round)s" is French as well
            if len(literal.split()) < 2:
                # One word ("Email", "vCard") is English only when it is all the piece says.
                pattern = re.compile(f"[\\s:.…]*{_as_pattern(source)}[\\s:.…]*")
                sources.append((source, pattern, True))
                continue
            pattern = re.compile(f"(?<!\\w){_as_pattern(source)}(?!\\w)")
            sources.append((source, pattern, False))
    return sources


def without_data(text: str) -> str:
    for data in sorted(WORLD_TEXT, key=len, reverse=True):
        text = text.replace(data, " ")
    for pattern in DATA_PATTERNS:
        text = re.sub(pattern, " ", text)
    return text


@cache
def cldr_names(language: str) -> set[str]:
    """State, language and time-zone names of the CLDR in the language: data, even where
    they are written as in English ("Portugal", "Cuba")."""
    from network.iso import _locale, time_zone_choices

    locale = _locale(language)
    with translation.override(language):
        zones = {name for _, name in time_zone_choices()}
    return set(locale.territories.values()) | set(locale.languages.values()) | zones


def has_words(text: str) -> bool:
    return re.search(r"[^\W\d_]{2,}", text) is not None


# --- Codes ----------------------------------------------------------------------------------


@cache
def choice_codes(language: str) -> dict[str, set[str]]:
    """Every stored value of a choices list of the project's models, with its labels in
    the language."""
    from directory.competences import Competence

    codes: dict[str, set[str]] = {}
    with translation.override(language):
        for value, label in Competence.choices:
            codes.setdefault(value, set()).add(str(label))
        for model in apps.get_models():
            if not model.__module__.startswith(("network", "directory", "messaging")):
                continue
            for field in model._meta.get_fields():
                for value, label in getattr(field, "choices", None) or ():
                    if isinstance(value, str) and value:
                        codes.setdefault(value, set()).add(str(label))
    return codes


@cache
def iso_codes() -> set[str]:
    from network.iso import language_names, state_names

    return set(state_names()) | set(language_names())


# Shown as codes on purpose, each with its legend (docs/messaging.md).
HANDLING_AND_EVALUATION = re.compile(r"[HABCX][0-4]")
SEPARATORS = re.compile(r"\s*(?:,|→|->|/|·|:|;|\(|\)|\||–|—)\s*")


def codes_in(piece: str, language: str, slugs: set[str]) -> list[str]:
    """The codes shown as labels in a piece of text."""
    found = []
    for token in filter(None, SEPARATORS.split(piece.strip(" .…"))):
        code = token.strip()
        labels = choice_codes(language).get(code)
        if HANDLING_AND_EVALUATION.fullmatch(code):
            continue
        a_choice = labels is not None and ("." in code or "_" in code or code not in labels)
        if a_choice or code in iso_codes() or code in slugs:
            found.append(code)
    for slug in slugs:
        if re.search(rf"(?<![\w/-]){re.escape(slug)}(?![\w/-])", piece):
            found.append(slug)
    return found


# --- The world and the pages ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from network.accounts.models import Invitation, User

    with django_db_blocker.unblock():
        built = build_world()
        for actor, name in NAMES.items():
            User.objects.filter(pk=built.users[actor].pk).update(display_name=name)
        Invitation.objects.update(inviter_name=NAMES["coordinator"])
    yield built
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False)


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.deactivate()


def render(world: World, page, language: str) -> str:
    client = world.client(page.actor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(page.path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == page.status, f"{page.key}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), f"{page.key} is not a page"
    html = response.content.decode()
    assert re.search(rf'<html lang="{language}"', html), f"{page.key} is not in {language}"
    return html


# Swagger UI and the OpenAPI schema it shows are in English, and the page says so (lang="en").
ENGLISH_ONLY = {"/api/v1/docs/"}


def _pages():
    # The world's ids are not known before it is built: pages are named by route and actor.
    return [
        pytest.param(page.route, page.actor, id=page.key)
        for page in html_pages()
        if page.route not in ENGLISH_ONLY
    ]


def untranslated(english: list[str], translated: list[str], language: str) -> list[str]:
    """Pieces left in English: the same as on the English page, or holding an English
    source string of the catalogue."""
    left = []
    same = set(english)
    for piece in translated:
        text = without_data(piece)
        if piece in cldr_names(language):
            continue
        if piece in same and has_words(same_in(language).sub(" ", text)):
            left.append(piece)
            continue
        for source, pattern, whole in english_sources(language):
            hit = pattern.fullmatch(text.strip()) if whole else pattern.search(text)
            if hit and not same_in(language).fullmatch(text.strip()):
                left.append(f"{piece}  ← {source!r}")
                break
    return left


@pytest.mark.parametrize(("route", "actor"), _pages())
def test_every_page_speaks_each_language_with_names_not_codes(world, db, route, actor):
    """The page, for its viewer, in es, fr, pt and ar: no English left, no code as a label
    (and no code on the English page either)."""
    page = next(p for p in html_pages(world.ids) if p.route == route and p.actor == actor)
    slugs = {"tipp", "redtram"}
    english, examples = words_of(render(world, page, "en"))
    problems = {}
    english_codes = [
        f"code {c} in {p!r}" for p in english if p not in examples for c in codes_in(p, "en", slugs)
    ]
    if english_codes:
        problems["en"] = english_codes
    for language in TRANSLATED:
        pieces, examples = words_of(render(world, page, language))
        found = untranslated(english, pieces, language)
        found += [
            f"code {c} in {p!r}"
            for p in pieces
            if p not in examples
            for c in codes_in(p, language, slugs)
        ]
        if found:
            problems[language] = found

    assert not problems, "\n".join(
        f"{language}: {piece}" for language, found in problems.items() for piece in found
    )


def test_the_pages_cover_every_actor_who_sees_the_most(world):
    """The owner, the coordinator and the translator each view pages of their own."""
    actors = {page.actor for page in html_pages(world.ids)}

    assert {"owner", "coordinator", "translator", "anonymous", "half"} <= actors
    assert actors <= set(ACTORS)
