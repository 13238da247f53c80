"""A member resets a forgotten password in Chromium and must still give the second factor."""

from urllib.parse import urlsplit

import pytest

from network.accounts import password_reset
from tests.network.accounts_support import enrol_totp, give_password, new_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Data is prepared by fixtures listed before `page`: no ORM call while the browser runs.


@pytest.fixture
def reset_path(member):
    give_password(member)
    enrol_totp(member)
    return urlsplit(password_reset.reset_url(member)).path


def test_a_member_sets_a_new_password_and_still_needs_the_second_factor(member, reset_path, page):
    page.goto("/accounts/sign-in/")
    page.click("text=Forgot your password?")
    page.wait_for_url("**/accounts/password-reset/")
    password = new_password()

    page.goto(reset_path)
    page.fill("input[name=new_password1]", password)
    page.fill("input[name=new_password2]", password)
    page.click("form.card button[type=submit]")

    page.wait_for_url("**/accounts/sign-in/")
    assert "every session of your account ended" in page.content()
    page.fill("input[name=email]", member.email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/sign-in/verify/")
    assert page.goto("/networks/").url.endswith("/accounts/sign-in/verify/")
