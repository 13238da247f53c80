"""A newcomer registers a passkey in Chromium (a virtual authenticator with user
verification, through the DevTools protocol) and later signs in with it: the page script,
the JSON endpoints and py_webauthn together."""

import pytest

from tests.network.accounts_support import give_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def newcomer(member):
    return member, give_password(member)


def _add_virtual_authenticator(page) -> None:
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _password_step(page, user, password, lands_on: str):
    page.goto("/accounts/sign-in/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{lands_on}")


def test_a_newcomer_registers_a_passkey_and_signs_in_with_it(newcomer, page):
    user, password = newcomer
    _add_virtual_authenticator(page)
    _password_step(page, user, password, "/accounts/sign-in/enrol/")

    page.fill("#webauthn-name", "Laptop passkey")
    page.click("#webauthn-register")
    page.locator("#webauthn-recovery-codes li").nth(9).wait_for()
    assert page.locator("#webauthn-recovery-codes li").count() == 10
    page.click("#webauthn-continue")
    page.wait_for_url(lambda url: url.endswith("/") and "/accounts/" not in url)
    assert page.locator("h1").inner_text() == f"Welcome, {user.display_name}"

    page.click("header button[type=submit]")  # sign out
    page.wait_for_url("**/accounts/sign-in/")
    _password_step(page, user, password, "/accounts/sign-in/verify/")
    page.click("#webauthn-sign-in")
    page.wait_for_url(lambda url: url.endswith("/") and "/accounts/" not in url)
    assert page.locator("h1").inner_text() == f"Welcome, {user.display_name}"


@pytest.fixture
def spanish_newcomer(member):
    member.preferred_language = "es"
    member.save(update_fields=["preferred_language"])
    return member, give_password(member)


def test_the_page_script_speaks_the_members_language(spanish_newcomer, page):
    """What webauthn.js says comes from the page, translated (accounts/_webauthn_status.html)."""
    user, password = spanish_newcomer
    _add_virtual_authenticator(page)
    _password_step(page, user, password, "/accounts/sign-in/enrol/")

    page.click("#webauthn-register")
    page.locator("#webauthn-continue").wait_for()
    assert page.locator("#webauthn-status").inner_text() == (
        "Llave registrada. Guarde estos códigos de recuperación en un lugar seguro; "
        "solo se muestran ahora."
    )
    assert page.locator("#webauthn-continue").inner_text() == "Continuar"
