"""Every page in Chromium, in English and in Arabic (right to left): the strict
Content-Security-Policy is never violated, no script fails, and axe-core finds nothing.

The pages are those of the access matrix (tests/security/matrix_pages.py), each opened by the
actors who see the most of it, in the matrix's world (tests/security/matrix_world.py),
written once for the module and served by one Daphne. Each actor browses in one browser
context of its own; each page is visited once per language, and the visit is recorded:

- `securitypolicyviolation` events, collected by a script that runs before any of the page's
  own (as reports would be), and console errors and uncaught exceptions;
- the response's Content-Security-Policy header;
- axe-core's violations (the pinned npm package, package.json at the repository's root,
  evaluated in the page through the DevTools protocol, which no page policy governs).

The API documentation (Swagger UI, drawn by script after the schema arrives) is recorded
once its operations are drawn; the two-factor enrolment page with its QR code is one of the
pages.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from tests.browser.daphne_server import CHROMIUM, CHROMIUM_ARGS, DaphneServer
from tests.conftest import REQUIRE_SERVICES
from tests.security.matrix_pages import Page, pages_by_actor
from tests.security.matrix_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("en", "ar")
RECORD_VIOLATIONS = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""
# Pages drawn by script after load: what shows that they are drawn.
DRAWN = {"/api/v1/docs/": ".swagger-ui .opblock"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        built = build_world()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False)


@pytest.fixture(scope="module")
def server(world, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        daphne = DaphneServer(tmp_path_factory.mktemp("daphne") / "daphne.log")
        daphne.start()
    yield daphne
    with django_db_blocker.unblock():
        daphne.stop()


def visit(page, target: Page, axe_source: str) -> dict:
    errors: list[str] = []

    def on_exception(error) -> None:
        errors.append(str(error))

    def on_console(message) -> None:
        # A page whose status is an error (a dead link's 410) is logged as a failed load.
        its_own_status = target.status != 200 and message.location.get("url", "").endswith(
            target.path
        )
        if message.type == "error" and not its_own_status:
            errors.append(message.text)

    page.on("pageerror", on_exception)
    page.on("console", on_console)
    response = page.goto(target.path, wait_until="load")
    if target.route in DRAWN:
        page.wait_for_selector(DRAWN[target.route])
    page.evaluate(axe_source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}))"
    )
    assert response.status == target.status, f"{target.key}: {response.status}"
    record = {
        "status": response.status,
        "policy": response.headers.get("content-security-policy", ""),
        "violations": page.evaluate("window.__policyViolations"),
        "errors": list(errors),
        "axe": found,
    }
    page.remove_listener("pageerror", on_exception)
    page.remove_listener("console", on_console)
    return record


def first_viewers(world) -> dict[str, list[Page]]:
    """Each page once, for the first of the actors who see the most of it."""
    seen, by_actor = set(), {}
    for actor, pages in pages_by_actor(world.ids).items():
        for page in pages:
            if page.route not in seen:
                seen.add(page.route)
                by_actor.setdefault(actor, []).append(page)
    return by_actor


@pytest.fixture(scope="module")
def visits(world, server):
    """language -> page key -> what the visit recorded. One Chromium for the module, one
    context per actor and language; Playwright stops before the tests touch the database
    (its event loop in this thread would give them a connection of their own)."""
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        missing = "axe-core is not installed: run `npm ci` at the repository's root"
        if REQUIRE_SERVICES:
            pytest.fail(missing)
        pytest.skip(missing)
    axe_source = AXE.read_text()
    recorded: dict[str, dict[str, dict]] = {language: {} for language in LANGUAGES}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for language in LANGUAGES:
            for actor, pages in first_viewers(world).items():
                context = browser_context(chromium, server, world, actor, language)
                page = context.new_page()
                page.set_default_timeout(15_000)
                for target in pages:
                    recorded[language][target.key] = visit(page, target, axe_source)
                context.close()
        chromium.close()
    connections.close_all()
    return recorded


def browser_context(chromium, server, world, actor: str, language: str):
    context = chromium.new_context(base_url=server.origin)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
    if actor in world.sessions:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[actor]})
    context.add_cookies([{**cookie, "url": server.origin} for cookie in cookies])
    context.add_init_script(RECORD_VIOLATIONS)
    return context


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_breaks_the_content_security_policy(visits, language):
    """Every page answers with its status and the strict policy, and nothing on it is
    refused by the policy or fails in the console."""
    wrong = {}
    for key, record in visits[language].items():
        problems = [*record["violations"], *record["errors"]]
        if "script-src 'self'" not in record["policy"] or "'unsafe-inline'" in record["policy"]:
            problems.append(f"policy: {record['policy']!r}")
        if problems:
            wrong[key] = problems

    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violation_on_any_page(visits, language):
    """axe-core's rules (WCAG 2 A and AA and best practices), every impact, every page."""
    records = visits[language]
    wrong = {key: record["axe"] for key, record in records.items() if record["axe"]}
    by_rule: dict[str, int] = {}
    for found in wrong.values():
        for violation in found:
            by_rule[violation["id"]] = by_rule.get(violation["id"], 0) + violation["count"]
    summary = json.dumps({"pages": len(records), "by_rule": by_rule}, indent=1)

    assert not wrong, summary + "\n" + json.dumps(wrong, indent=1, ensure_ascii=False)
