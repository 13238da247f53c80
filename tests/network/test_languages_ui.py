"""The interface language: the browser's Accept-Language for anonymous visitors, the member's
`preferred_language` once signed in (and when the profile changes it), and the switcher in
the footer; the catalogues are complete and compiled."""

import re
from gettext import c2py
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.network.accounts_support import enrol_totp, give_password, sign_in_password, totp_code

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["es", "fr", "pt", "ar"]
# What the sign-in page says in each language: its title and its button.
SIGN_IN_PAGE = {
    "en": ("Sign in", "Continue"),
    "es": ("Iniciar sesión", "Continuar"),
    "fr": ("Se connecter", "Continuer"),
    "pt": ("Iniciar sessão", "Continuar"),
    "ar": ("تسجيل الدخول", "متابعة"),
}
SECURITY_HEADING = {
    "en": "Sign-in and security",
    "es": "Inicio de sesión y seguridad",
    "fr": "Connexion et sécurité",
    "pt": "Início de sessão e segurança",
    "ar": "تسجيل الدخول والأمان",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request leaves its language active in the thread; later tests expect English."""
    yield
    translation.deactivate()


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


def assert_sign_in_page_in(response, language: str) -> None:
    title, button = SIGN_IN_PAGE[language]
    page = response.content.decode()
    assert page_language(response) == language
    assert f"<title>{title} · Counterpart</title>" in page
    assert f"<h1>{title}</h1>" in page
    assert f'<button type="submit">{button}</button>' in page


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_sign_in_page_speaks_the_browsers_language(db, language):
    """An anonymous visitor gets the language their browser asks for."""
    response = Client().get(
        reverse("accounts:sign_in"), HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5"
    )

    assert response.status_code == 200
    assert_sign_in_page_in(response, language)


def test_a_language_outside_the_four_falls_back_to_english(db):
    response = Client().get(reverse("accounts:sign_in"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert_sign_in_page_in(response, "en")


def test_a_regional_variant_gets_its_language(db):
    response = Client().get(reverse("accounts:sign_in"), HTTP_ACCEPT_LANGUAGE="pt-BR")

    assert_sign_in_page_in(response, "pt")


def test_the_preferred_language_wins_over_the_browser_after_sign_in(db, make_user):
    """A member who prefers Portuguese signs in from a French browser: every page from the
    password step on is Portuguese."""
    user = make_user(preferred_language="pt")
    password = give_password(user)
    seed = enrol_totp(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert_sign_in_page_in(client.get(reverse("accounts:sign_in")), "fr")

    response = sign_in_password(client, user.email, password)
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    second_factor = client.get(reverse("accounts:second_factor"))
    assert page_language(second_factor) == "pt"
    assert "Confirme que é você" in second_factor.content.decode()

    client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})
    security = client.get(reverse("accounts:security"))

    assert security.status_code == 200
    assert page_language(security) == "pt"
    assert f"<h1>{SECURITY_HEADING['pt']}</h1>" in security.content.decode()


def test_a_failed_sign_in_does_not_change_the_language(db, make_user):
    user = make_user(preferred_language="pt")
    give_password(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")

    response = sign_in_password(client, user.email, "pw not the password 123")

    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert_sign_in_page_in(response, "es")


def test_changing_the_preferred_language_in_the_profile_switches_the_interface(member, client_for):
    client = client_for(member)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {
        "display_name": member.display_name,
        "institution": "Ministério Público",
        "position": "Procuradora",
        "state": "PT",
        "languages": ["pt", "en"],
        "preferred_language": "pt",
        "time_zone": "Europe/Lisbon",
    }

    response = client.post(reverse("accounts:profile"), data, follow=True)

    member.refresh_from_db()
    assert member.preferred_language == "pt"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    assert page_language(response) == "pt"
    assert "O seu perfil foi guardado." in response.content.decode()


def test_a_refused_profile_change_keeps_the_language(member, client_for):
    client = client_for(member)
    data = {"display_name": "", "preferred_language": "de", "time_zone": "Nowhere/Else"}

    response = client.post(reverse("accounts:profile"), data, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert page_language(response) == "es"
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_the_switcher_is_on_the_sign_in_page_and_changes_the_language(db):
    """Anonymous visitors switch with the footer form, CSRF token included."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(reverse("accounts:sign_in")).content.decode()
    switcher = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', page, re.S)[0]
    assert re.findall(r'<option value="(\w+)"', switcher) == ["en", "es", "fr", "pt", "ar"]
    assert re.search(r'<option value="es"[^>]* selected>', switcher)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switcher)[1]

    response = client.post(
        reverse("set_language"),
        {"language": "fr", "next": reverse("accounts:sign_in"), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert_sign_in_page_in(client.get(response["Location"]), "fr")


def test_a_signed_in_member_switches_for_this_browser(make_user, client_for):
    member = make_user(preferred_language="pt")
    client = client_for(member)

    response = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("accounts:security")}
    )
    page = client.get(response["Location"])

    assert page_language(page) == "es"
    assert f"<h1>{SECURITY_HEADING['es']}</h1>" in page.content.decode()
    member.refresh_from_db()
    assert member.preferred_language == "pt"


def test_the_switcher_ignores_a_language_it_does_not_offer(db):
    """German is not an interface language: the browser's choice still applies."""
    client = Client(HTTP_ACCEPT_LANGUAGE="es")

    client.post(reverse("set_language"), {"language": "de", "next": reverse("accounts:sign_in")})

    assert_sign_in_page_in(client.get(reverse("accounts:sign_in")), "es")


def test_the_switcher_does_not_redirect_off_site(db):
    response = Client().post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- The catalogues -------------------------------------------------------------------------


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    assert len(po) > 0
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    """A translation carries the same %(name)s, {name} and markup as its source (the
    singular of a plural may leave out the count, as in "One active member": the form the
    language's plural rule picks for 1 alone — form 0 in Spanish, form 1 in Arabic)."""
    po = catalogue(language)
    rule = c2py(po.metadata["Plural-Forms"].split("plural=")[1].rstrip(";"))
    only_one = {rule(1)} - {rule(n) for n in range(2, 1000)}
    wrong = []
    for entry in po:
        if entry.msgid_plural:
            allowed = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            for n, text in entry.msgstr_plural.items():
                found = sorted(PLACEHOLDER.findall(text))
                if found != allowed and not (n in only_one and set(found) <= set(allowed)):
                    wrong.append((entry.msgid, text))
        elif sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
            wrong.append((entry.msgid, entry.msgstr))

    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language):
    """The committed .mo holds exactly the .po's translations: recompile after editing."""
    po = catalogue(language)
    mo = polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))

    def entries(catalogue_file):
        return {
            (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue_file
            if not e.obsolete
        }

    assert entries(mo) == entries(po)
