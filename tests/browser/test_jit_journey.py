"""A JIT proposal in a real browser: a participant proposes it from the case room, each
party's routed authorizing contact answers the same version, and the proposal is agreed.

With SCREENSHOTS_DIR set, the steps are also saved there (docs/screenshots/jit-*.png)."""

import os
from pathlib import Path

import pytest

from directory import actions as directory_actions
from tests.browser.test_directory_pages import page_for  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _authorizer(email, name, state, network, make_user, make_membership):
    user = make_user(email, display_name=name, state=state)
    make_membership(user, network)
    authority = directory_actions.create_authority(
        name=f"Prosecution service {state}", kind="prosecution_service", state=state
    )
    directory_actions.create_contact_point(
        authority=authority,
        kind="person",
        name=name,
        competences=["jit.authorize"],
        networks=[network],
        email=email,
        member=user,
    )
    return user


@pytest.fixture
def authorizers(tipp, make_user, make_membership):
    return (
        _authorizer("alma@example.org", "Alma Ríos", "AR", tipp, make_user, make_membership),
        _authorizer("ngozi@example.org", "Ngozi Eze", "NG", tipp, make_user, make_membership),
    )


def _shot(page, tmp_path, name):
    target = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    page.screenshot(path=str(target / f"jit-{name}.png"))


def test_proposal_consent_agreed_with_two_parties(
    case_room,
    member,
    authorizers,
    page_for,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    alma, ngozi = authorizers
    page = page_for(member)
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(f"/rooms/{case_room.pk}/")
    page.click("a.jit-link")
    page.fill("input[name=title]", "JIT Lantern")
    page.fill("input[name=states]", "AR NG")
    page.fill("input[name=period_start]", "2027-01-01")
    page.fill("input[name=period_end]", "2027-12-31")
    page.select_option("select[name=team_type]", "parallel_active")
    page.fill("#section_purpose", "Dismantle the recruitment network.")
    _shot(page, tmp_path, "new")
    page.click("form.jit-form button[type=submit]")
    page.wait_for_selector("#board")
    assert "Alma Ríos" in page.inner_text("#board") and "Ngozi Eze" in page.inner_text("#board")
    proposal_path = page.url.split(page.url.split("/jit/")[0])[1]

    for user, state, decision, note in (
        (alma, "AR", "conditions", "Spanish interpretation at every interview."),
        (ngozi, "NG", "consent", ""),
    ):
        answer = page_for(user)
        answer.set_viewport_size({"width": 900, "height": 700})
        answer.goto(proposal_path)
        form = answer.locator(f"#answer-{state} form")
        form.locator(f"input[value={decision}]").check()
        form.locator("textarea[name=note]").fill(note)
        if state == "AR":
            _shot(answer, tmp_path, "answer")
        form.locator("button[type=submit]").click()
        answer.wait_for_selector(".flash")

    page.goto(proposal_path)
    assert "agreed" in page.inner_text("h1")
    board = page.inner_text("#board")
    assert "consent with conditions" in board and "Spanish interpretation" in board
    page.locator("#board").scroll_into_view_if_needed()
    _shot(page, tmp_path, "board")
