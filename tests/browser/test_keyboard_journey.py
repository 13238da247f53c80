"""One journey by keyboard alone, in Chromium: sign in (password, then the authenticator's
code), search the directory for a state and a competence, open the entry found and reach its
"Message" action, which leaves the cursor in the composer of a direct room with that
counterpart. Only Tab, Enter and Space move and act (and typing fills the fields and
picks an option of a list by its first letters); at each step the focus lands where expected
and is visibly marked."""

import pytest

from directory import actions
from network.accounts import twofactor
from tests.network.accounts_support import enrol_totp, give_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the focus is, and whether a sighted keyboard user can see it: the :focus-visible
# outline the site's style sheet draws, on an element with a size.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    name: element.getAttribute("name") || "",
    text: (element.innerText || element.value || "").trim().slice(0, 80),
    href: element.getAttribute("href") || "",
    visible: element.matches(":focus-visible") && style.outlineStyle !== "none"
      && parseFloat(style.outlineWidth) > 0 && box.width > 0 && box.height > 0,
  };
}"""
MAX_TABS = 40


@pytest.fixture
def journey(member, make_user, make_membership, tipp):
    """The member (password and authenticator app) and a counterpart in Nigeria whose
    directory entry is linked to their account."""
    password = give_password(member)
    seed = enrol_totp(member)
    counterpart = make_user("adaeze@example.org", display_name="Adaeze Okafor", state="NG")
    make_membership(counterpart, tipp)
    authority = actions.create_authority(
        name="National Agency for the Prohibition of Trafficking in Persons",
        kind="prosecution_service",
        state="NG",
    )
    actions.create_contact_point(
        authority=authority,
        kind="person",
        name="Adaeze Okafor",
        competences=["tip.specialized_prosecution"],
        networks=[tipp],
        languages=[("en", "native")],
        email="adaeze@example.org",
        member=counterpart,
    )
    return member, password, seed


def focused(page, *, may_leave: bool = False) -> dict | None:
    where = page.evaluate(FOCUSED)
    if where is None and may_leave:
        return None  # past the last control: the focus is in the browser's own bar
    assert where is not None, "the focus is nowhere"
    assert where["visible"], f"the focus on {where} is not visible"
    return where


def tab(page, *, may_leave: bool = False) -> dict | None:
    page.keyboard.press("Tab")
    return focused(page, may_leave=may_leave)


def tab_until(page, wanted, what: str) -> dict:
    """Tab forward, every stop on the page visibly focused, until `wanted(focus)` (past the
    page's last control, Tab goes round to its first)."""
    for _ in range(MAX_TABS):
        where = tab(page, may_leave=True)
        if where is not None and wanted(where):
            return where
    raise AssertionError(f"{what} was not reached in {MAX_TABS} presses of Tab")


def skip_to_content(page) -> dict:
    """The first Tab reaches the skip link; Enter on it, then Tab, reaches the main content."""
    where = tab(page)
    assert where["href"] == "#main", where
    page.keyboard.press("Enter")
    return tab(page)


def test_a_member_signs_in_searches_and_reaches_message_by_keyboard(journey, page):
    user, password, seed = journey

    page.goto("/accounts/sign-in/")
    assert skip_to_content(page)["name"] == "email"
    page.keyboard.type(user.email)
    assert tab(page)["name"] == "password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/sign-in/verify/" in url)

    tab_until(page, lambda f: f["name"] == "code", "the code field")
    page.keyboard.type(twofactor.code_at(seed, twofactor.current_step()))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.locator("h1").inner_text() == f"Welcome, {user.display_name}"

    where = tab_until(page, lambda f: f["text"] == "Directory", "the Directory link")
    assert where["tag"] == "a" and where["href"] == "/directory/"
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.split("#")[0].endswith("/directory/"))

    assert skip_to_content(page)["id"] == "q"
    assert tab(page)["id"] == "state"
    page.keyboard.type("Nigeria")
    assert page.locator("#state").input_value() == "NG"
    assert tab(page)["id"] == "competence"
    page.keyboard.type("Specialised")
    assert page.locator("#competence").input_value() == "tip.specialized_prosecution"
    search = tab_until(page, lambda f: f["tag"] == "button", "the Search button")
    assert search["text"] == "Search"
    page.keyboard.press("Space")
    page.wait_for_url(lambda url: "/directory/?" in url and "state=NG" in url)

    entry = tab_until(page, lambda f: f["text"] == "Adaeze Okafor", "the entry found")
    assert "/directory/contact-points/" in entry["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/directory/contact-points/" in url)
    assert page.locator("h1").inner_text().startswith("Adaeze Okafor")

    message = tab_until(page, lambda f: f["text"] == "Message", "the Message action")
    assert message["tag"] == "button"
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/rooms/" in url and url.endswith("#id_body"))
    assert focused(page)["id"] == "id_body"
    page.keyboard.type("Good morning")
    assert page.locator("#id_body").input_value() == "Good morning"
