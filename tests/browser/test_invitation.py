"""An invited colleague creates the account in Chromium, sets up an authenticator app and
lands on the network's apply form, prefilled."""

import base64

import pytest

from network.accounts import invitations, twofactor
from tests.network.accounts_support import new_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Data is prepared by fixtures listed before `page`: no ORM call while the browser runs.


@pytest.fixture
def invitation_path(member, tipp):
    issued = invitations.create_invitation(
        network=tipp, email="clara@example.org", note="See you in Lisbon.", inviter=member
    )
    return f"/accounts/invitation/{issued.token}/"


def test_an_invitee_creates_the_account_enrols_and_reaches_the_apply_form(
    invitation_path, page, tmp_path
):
    page.goto(invitation_path)
    assert "Mateo Member invited you to apply to TIPP network" in page.content()
    page.fill("input[name=display_name]", "Clara Colleague")
    page.fill("input[name=institution]", "Procuradoria-Geral da República")
    page.fill("input[name=position]", "Procuradora")
    page.select_option("select[name=state]", "PT")
    page.select_option("select[name=languages]", ["pt", "en"])
    page.select_option("select[name=time_zone]", "Europe/Lisbon")
    password = new_password()
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.screenshot(path=str(tmp_path / "invitation.png"), full_page=True)
    page.click("form.card button[type=submit]")

    page.wait_for_url("**/accounts/sign-in/enrol/")
    assert page.goto("/networks/").url.endswith("/accounts/sign-in/enrol/")
    page.click("text=Set up an authenticator app")
    key = page.locator("#manual-key").inner_text().replace(" ", "")
    seed = base64.b32decode(key + "=" * (-len(key) % 8))
    page.fill("input[name=code]", twofactor.code_at(seed, twofactor.current_step()))
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    page.click("text=Continue")

    page.wait_for_url("**/networks/tipp/apply/")
    assert page.input_value("#id_institution") == "Procuradoria-Geral da República"
    assert page.input_value("#id_position") == "Procuradora"
