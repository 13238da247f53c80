"""A real member signs in with password and authenticator app in Chromium."""

import pytest

from network.accounts import twofactor
from tests.network.accounts_support import enrol_totp, give_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Data is prepared by fixtures listed before `page`: no ORM call while the browser runs.


@pytest.fixture
def account(member):
    password = give_password(member)
    seed = enrol_totp(member)
    return member, password, seed


def _password_step(page, user, password):
    page.goto("/accounts/sign-in/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/sign-in/verify/")


def test_a_member_signs_in_with_password_and_code_and_lands_home(account, page):
    user, password, seed = account
    _password_step(page, user, password)

    page.fill("input[name=code]", twofactor.code_at(seed, twofactor.current_step()))
    page.click("form.card button[type=submit]")

    page.wait_for_url(lambda url: url.endswith("/") and "/accounts/" not in url)
    assert page.locator("h1").inner_text() == f"Welcome, {user.display_name}"


def test_a_password_only_session_cannot_open_the_directory(account, page):
    user, password, _ = account
    _password_step(page, user, password)

    response = page.goto("/directory/")

    assert response.url.endswith("/accounts/sign-in/verify/")
    assert "Confirm it is you" in page.locator("h1").inner_text()
