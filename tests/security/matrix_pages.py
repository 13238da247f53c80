"""The HTML pages of the project, enumerated from the access matrix (matrix_rows.py): every
route that answers GET with a page, each seen by the actors of the matrix's world
(matrix_world.py) who see the most of it.

A new route gets its row in the matrix (test_access_matrix.py fails otherwise), and with it
its place here: nothing is listed by hand but the routes that answer with a file or JSON.
"""

from dataclasses import dataclass

from tests.security.matrix_routes import row_path
from tests.security.matrix_rows import ROWS

# Who sees the most of a page: the case room's owner, the network's coordinator, the
# translator holding the request; each that the page serves is a viewer of its own.
RICHEST = ("owner", "coordinator", "translator")
# Otherwise the first of these that the page serves.
OTHERS = ("participant", "not_in_room", "other_network", "applicant", "half", "anonymous")
# Routes that answer GET with something other than a page.
NOT_PAGES = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/.well-known/counterpart-keys.json",
    "/service-worker.js",
    # Pieces of the room page, fetched by its script; the room page itself is checked.
    "/rooms/<uuid:room_id>/messages/fragments/",
    "/directory/export.csv",
    "/directory/contact-points/<int:pk>/vcard/",
    "/rooms/<uuid:room_id>/attachments/<uuid:attachment_id>/",
    "/translations/<uuid:request_id>/item",
    # A JIT agreement as a printable document in the language its path names, not the
    # reader's (tests/jit/test_pages.py checks its languages).
    "/jit/<uuid:proposal_id>/document/<str:language>/",
    "/jit/<uuid:proposal_id>/signatures/<int:signature_id>/scan/",
    "/records/exports/<uuid:export_id>/download/",
    "/languages/<int:pair_id>/evidence",
}
# The one part of the API that is a page.
API_PAGES = {"/api/v1/docs/"}
# Pages whose usual answer is not 200, shown to the actor who meets them.
ERROR_PAGES = {"/accounts/password-reset/<str:uidb64>/<str:token>/": (410, "anonymous")}


@dataclass(frozen=True)
class Page:
    route: str
    actor: str
    path: str
    status: int = 200

    @property
    def key(self) -> str:
        return f"{self.route} | {self.actor}"


def _is_page(route: str) -> bool:
    if route in NOT_PAGES:
        return False
    return not route.startswith("/api/") or route in API_PAGES


def _viewers(row) -> list[str]:
    served = [actor for actor, outcome in row.expect.items() if outcome == 200]
    richest = [actor for actor in RICHEST if actor in served]
    return richest or [actor for actor in OTHERS if actor in served][:1]


def html_pages(ids: dict | None = None) -> list[Page]:
    """Every page and who views it, with the concrete path in the world of `ids` (no path
    without them: enough to name the pages before the world is built)."""

    def row_path_in_world(row) -> str:
        return row_path(row, ids) if ids is not None else ""

    pages = []
    for row in ROWS:
        if row.method != "GET" or row.variant or not _is_page(row.route):
            continue
        if row.route in ERROR_PAGES:
            status, actor = ERROR_PAGES[row.route]
            pages.append(Page(row.route, actor, row_path_in_world(row), status))
            continue
        pages.extend(Page(row.route, actor, row_path_in_world(row)) for actor in _viewers(row))
    return pages


def pages_by_actor(ids: dict) -> dict[str, list[Page]]:
    by_actor: dict[str, list[Page]] = {}
    for page in html_pages(ids):
        by_actor.setdefault(page.actor, []).append(page)
    return by_actor
