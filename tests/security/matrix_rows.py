"""The rows of the access matrix: for each route and method, the outcome for every actor.

The outcomes come from the rules, not from a recording of the server:

- the two-factor gate (network/accounts/middleware.py, docs/accounts.md): no session → the
  sign-in page (302) or 401 under /api/; a password-only session → the second-factor step
  (302) or 401 under /api/; only the sign-in steps, sign-out and the language switch are open;
- vetting (network/access.py, docs/vetting.md): active members of the network see its
  applications and endorse; its coordinators decide and see the queue, the members and the
  decisions (403 otherwise); a member sees the history of their own membership;
- rooms (messaging/access.py, docs/messaging.md): readers are the participants who are active
  members; everyone else — coordinators included — gets 404, as for a room that does not
  exist; the pages refuse people active in no network (403) before looking at the room; only
  the owner invites; only the sender edits or deletes a message; a restricted thread is read by
  its named readers only, and only its creator or a room owner names them;
- the directory (directory/visibility.py, docs/directory.md, docs/trust.md): only active
  members of a network open it (403 for everyone else); they read the authority level;
  person-level exports (vCard) only active members of a network the entry serves;
  coordinators of those networks maintain entries; any active member reports one;
- capacities (messaging/access.py, docs/trust.md): the support participant reads the room
  like a participant but none of its threads: their items are "not found" (404), a message
  into one is refused (400); it names itself reader of a thread it opens; it invites nobody
  (403) and is no owner (403 for what owners do);
  it sees nothing of the room's JIT proposals or case records (404: `reads_whole_room`);
- translations (messaging/translations/access.py, docs/translation.md): the room's readers and
  the translator holding the request see it (404 otherwise); only that translator reads its
  item;
- JIT proposals (messaging/jit/access.py, docs/jit.md): the room's readers and the member
  behind a contact point the proposal was routed to (in the world: the translator) see it
  (404 otherwise); only the readers change the draft (403 for the routed contact); only a
  routed contact answers for its party (403 for the readers); a party's signed scan is
  downloaded by the readers and that party's routed contact (404 otherwise);
- permissions to pass an item on (messaging/disclosure, docs/disclosure.md): the readers of
  the item see a request (404 otherwise); only its provider answers (403 for other readers);
  nobody asks permission for their own item (409);
- account pages and API (docs/accounts.md): every signed-in user manages their own things;
  someone else's token, pair, session, notification or invitation is "not found".

Outcomes are written as a status code, or "302 <where>": "302 sign-in" is the sign-in page
with the requested path as `next`, "302 verify" the second-factor step, any other "302 /path"
a redirect whose Location starts with /path.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from tests.security.matrix_world import ACTORS, PNG

SIGN_IN, VERIFY = "302 sign-in", "302 verify"
INACTIVE = ("applicant", "suspended", "revoked", "expired")
SIGNED_IN = ACTORS[2:]
ACTIVE = ("other_network", "not_in_room", "participant", "owner", "coordinator", "translator")
TIPP = ("not_in_room", "participant", "owner", "coordinator", "translator")
READERS = ("participant", "owner")
NOT_TIPP = (*INACTIVE, "other_network")
NOT_READERS = ("other_network", "not_in_room", "coordinator", "translator")
# The room's readers who are not its owner: the participant, those in a limited capacity, and
# the room guest.
LIMITED_AND_PARTICIPANT = ("participant", "support", "observer", "guest")


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    expect: dict
    data: object = None  # a dict, or a callable of the world's ids
    encoding: str = "json"  # json, form or multipart
    query: str = ""
    params: dict = field(default_factory=dict)
    variant: str = ""
    xfail: dict = field(default_factory=dict)  # actor -> why the server is wrong today

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.variant}]" if self.variant else "")


def _outcomes(anonymous, half, default, pairs) -> dict:
    expect = dict.fromkeys(SIGNED_IN, default)
    expect.update(anonymous=anonymous, half=half)
    for actors, outcome in pairs:
        for actor in (actors,) if isinstance(actors, str) else actors:
            expect[actor] = outcome
    return expect


def page(default, *pairs) -> dict:
    """A page behind the two-factor gate: `default` for every signed-in actor, then pairs
    of (actors, outcome)."""
    return _outcomes(SIGN_IN, VERIFY, default, pairs)


def api(default, *pairs) -> dict:
    """An API operation: 401 without a verified session."""
    return _outcomes(401, 401, default, pairs)


def everyone(outcome, *pairs) -> dict:
    return _outcomes(outcome, outcome, outcome, pairs)


def _due() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


def _send(ids) -> dict:
    return {
        "thread": str(ids["thread"]),
        "body": "Seen at the port.",
        "client_id": str(uuid.uuid4()),
    }


def _guest_proposal(ids) -> dict:
    """A new guest for the world's case room, reading its open thread."""
    return {
        "name": "Nadia NGO",
        "email": "new.guest@example.org",
        "organisation": "Shelter Network",
        "purpose": "Victim support.",
        "ends_on": _due(),
        "threads": [str(ids["thread"])],
    }


def _latest_jit_version(ids) -> str:
    """The latest version of the world's proposal when the row runs (readers add versions)."""
    from messaging.jit.models import Proposal

    return str(Proposal.objects.get(pk=ids["proposal"]).latest_version().number)


def _png(ids) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("scan.png", PNG, content_type="image/png")}


def _png_evidence(ids) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"evidence": SimpleUploadedFile("certificate.png", PNG, content_type="image/png")}


def _designation(ids) -> dict:
    """An application with a seat and a letter, to TIPP, which admits by sponsorship."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "institution": "Ministry of Justice",
        "position": "Central authority",
        "statement": "Designated by my state.",
        "seat_state": "NG",
        "seat_role": "central_authority",
        "designation_letter": SimpleUploadedFile("letter.png", PNG, content_type="image/png"),
    }


def _csv(ids) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("entries.csv", b"state,name\r\n", content_type="text/csv")}


ACCOUNT = "/accounts/"
ROOM = "/rooms/<uuid:room_id>/"
MESSAGE = ROOM + "messages/<uuid:message_id>/"
NET = "/networks/<slug:slug>/"
DIR = "/directory/"
TR = "/translations/"
REC = "/records/rooms/<uuid:room_id>/"
EXPORT = "/records/exports/<uuid:export_id>/"
A = "/api/v1/"
AROOM = A + "rooms/<uuid:room_id>/"
ANET = A + "networks/<slug:slug>/"
AMEMBERSHIP = ANET + "memberships/<int:pk>/"
ADIR = A + "directory/"
INTRO = DIR + "introductions/<uuid:introduction_id>/"
AINTRO = ADIR + "introductions/<uuid:introduction_id>/"
ATR = A + "translations/"
JIT = "/jit/"
PROPOSAL = JIT + "<uuid:proposal_id>/"
AJIT = A + "jit/"

ROWS = [
    # --- Home, health, language -------------------------------------------------------------
    Row("/", "GET", page(200)),
    Row("/", "POST", page(200)),
    Row("/healthz", "GET", everyone(200)),
    Row("/healthz", "POST", everyone(405)),
    # The test client's address is loopback: a scraper the default configuration allows.
    Row("/readyz", "GET", everyone(200)),
    Row("/readyz", "POST", everyone(405)),
    Row("/metrics", "GET", everyone(200)),
    Row("/metrics", "POST", everyone(405)),
    Row("/.well-known/counterpart-keys.json", "GET", everyone(200)),
    Row("/.well-known/counterpart-keys.json", "POST", everyone(405)),
    # The service worker: the static shell's list, the same for everyone (network/installable.py);
    # a session between its two factors is sent on to the second, as on every path.
    Row("/service-worker.js", "GET", everyone(200, ("half", VERIFY))),
    Row("/service-worker.js", "POST", everyone(405, ("half", VERIFY))),
    Row("/i18n/setlang/", "GET", everyone("302 /")),
    Row("/i18n/setlang/", "POST", everyone("302 /"), {"language": "es"}, "form"),
    # --- Signing in: open to a password-only session -----------------------------------------
    Row(ACCOUNT + "sign-in/", "GET", everyone("302 /", ("anonymous", 200), ("half", 200))),
    Row(ACCOUNT + "sign-in/", "POST", everyone("302 /", ("anonymous", 400), ("half", 400))),
    Row(
        ACCOUNT + "sign-in/verify/", "GET", everyone("302 /", ("anonymous", SIGN_IN), ("half", 200))
    ),
    Row(
        ACCOUNT + "sign-in/verify/",
        "POST",
        everyone("302 /", ("anonymous", SIGN_IN), ("half", 400)),
    ),
    Row(
        ACCOUNT + "sign-in/recovery/",
        "GET",
        everyone("302 /", ("anonymous", SIGN_IN), ("half", 200)),
    ),
    Row(
        ACCOUNT + "sign-in/recovery/",
        "POST",
        everyone("302 /", ("anonymous", SIGN_IN), ("half", 400)),
    ),
    Row(ACCOUNT + "sign-in/webauthn/options/", "GET", everyone(405, ("anonymous", 401))),
    Row(
        ACCOUNT + "sign-in/webauthn/options/",
        "POST",
        everyone(409, ("anonymous", 401), ("half", 200)),
    ),
    Row(ACCOUNT + "sign-in/webauthn/verify/", "GET", everyone(405, ("anonymous", 401))),
    Row(
        ACCOUNT + "sign-in/webauthn/verify/",
        "POST",
        everyone(409, ("anonymous", 401), ("half", 400)),
    ),
    # Enrolment: a verified session, or a password-only one of an account with no factor.
    Row(ACCOUNT + "sign-in/enrol/", "GET", page(200, ("half", VERIFY))),
    Row(ACCOUNT + "sign-in/enrol/", "POST", page(200)),
    Row(
        ACCOUNT + "sign-in/enrol/totp/",
        "GET",
        page(200, ("participant", "302 /accounts/security/")),
    ),
    Row(
        ACCOUNT + "sign-in/enrol/totp/",
        "POST",
        page(400, ("participant", "302 /accounts/security/")),
    ),
    Row(ACCOUNT + "sign-in/enrol/webauthn/options/", "GET", everyone(405, ("anonymous", 401))),
    Row(
        ACCOUNT + "sign-in/enrol/webauthn/options/",
        "POST",
        everyone(200, ("anonymous", 401), ("half", 403)),
    ),
    Row(ACCOUNT + "sign-in/enrol/webauthn/verify/", "GET", everyone(405, ("anonymous", 401))),
    Row(
        ACCOUNT + "sign-in/enrol/webauthn/verify/",
        "POST",
        everyone(400, ("anonymous", 401), ("half", 403)),
    ),
    Row(ACCOUNT + "sign-out/", "GET", everyone(405)),
    Row(ACCOUNT + "sign-out/", "POST", everyone("302 /accounts/sign-in/")),
    # --- Invitation links and password reset: for people signed out --------------------------
    Row(ACCOUNT + "invitation/<str:token>/", "GET", page(409, ("anonymous", 200))),
    Row(ACCOUNT + "invitation/<str:token>/", "POST", page(409, ("anonymous", 400))),
    Row(ACCOUNT + "password-reset/", "GET", page(200, ("anonymous", 200))),
    Row(ACCOUNT + "password-reset/", "POST", page(400, ("anonymous", 400))),
    Row(ACCOUNT + "password-reset/<str:uidb64>/<str:token>/", "GET", page(410, ("anonymous", 410))),
    Row(
        ACCOUNT + "password-reset/<str:uidb64>/<str:token>/", "POST", page(410, ("anonymous", 410))
    ),
    # --- Own account: any verified session; someone else's things are not found -------------
    Row(ACCOUNT + "security/", "GET", page(200)),
    Row(ACCOUNT + "security/", "POST", page(200)),
    Row(ACCOUNT + "security/recovery-codes/", "GET", page(405)),
    Row(ACCOUNT + "security/recovery-codes/", "POST", page("302 /accounts/security/")),
    Row(ACCOUNT + "security/totp/remove/", "GET", page(405)),
    Row(ACCOUNT + "security/totp/remove/", "POST", page("302 /accounts/security/")),
    Row(ACCOUNT + "security/keys/<int:credential_id>/remove/", "GET", page(405)),
    Row(
        ACCOUNT + "security/keys/<int:credential_id>/remove/",
        "POST",
        page("302 /accounts/security/"),
    ),
    Row(ACCOUNT + "sessions/", "GET", page(200)),
    Row(ACCOUNT + "sessions/", "POST", page(200)),
    Row(ACCOUNT + "sessions/<int:record_id>/end/", "GET", page(405)),
    Row(ACCOUNT + "sessions/<int:record_id>/end/", "POST", page("302 /accounts/sessions/")),
    Row(ACCOUNT + "sessions/end-others/", "GET", page(405)),
    Row(ACCOUNT + "sessions/end-others/", "POST", page("302 /accounts/sessions/")),
    Row(ACCOUNT + "sessions/sign-out-everywhere/", "GET", page(405)),
    Row(ACCOUNT + "sessions/sign-out-everywhere/", "POST", page("302 /accounts/sign-in/")),
    Row(ACCOUNT + "password/", "GET", page(200)),
    Row(ACCOUNT + "password/", "POST", page(400)),
    Row(ACCOUNT + "profile/", "GET", page(200)),
    Row(ACCOUNT + "profile/", "POST", page(400)),
    Row(ACCOUNT + "tokens/", "GET", page(200)),
    Row(ACCOUNT + "tokens/", "POST", page(201), {"name": "phone", "lifetime_days": "30"}, "form"),
    Row(ACCOUNT + "tokens/<int:token_id>/revoke/", "GET", page(405)),
    Row(ACCOUNT + "tokens/<int:token_id>/revoke/", "POST", page("302 /accounts/tokens/")),
    Row(ACCOUNT + "invitations/", "GET", page(200)),
    Row(ACCOUNT + "invitations/", "POST", page(405)),
    Row(ACCOUNT + "invitations/new/<slug:slug>/", "GET", page(200, (NOT_TIPP, 403))),
    Row(
        ACCOUNT + "invitations/new/<slug:slug>/",
        "POST",
        page("302 /accounts/invitations/", (NOT_TIPP, 403)),
        {"email": "colleague@example.org", "note": "Works on the port case"},
        "form",
    ),
    Row(ACCOUNT + "invitations/<int:invitation_id>/revoke/", "GET", page(405)),
    Row(
        ACCOUNT + "invitations/<int:invitation_id>/revoke/",
        "POST",
        page(404, ("coordinator", "302 /accounts/invitations/")),
    ),
    # --- Networks and vetting ----------------------------------------------------------------
    Row("/networks/", "GET", page(200)),
    Row("/networks/", "POST", page(405)),
    Row(NET, "GET", page(200)),
    Row(NET, "POST", page(405)),
    Row(NET + "apply/", "GET", page(200)),
    Row(NET + "apply/", "POST", page(400)),
    Row(NET + "applications/", "GET", page(200, (NOT_TIPP, 403))),
    Row(NET + "applications/", "POST", page(405)),
    Row(NET + "applications/<int:pk>/endorse/", "GET", page(405)),
    Row(
        NET + "applications/<int:pk>/endorse/",
        "POST",
        page("302 /networks/tipp/applications/", (NOT_TIPP, 403), ("owner", 409)),
        {"statement": "I worked with her on two cases."},
        "form",
    ),
    Row(NET + "queue/", "GET", page(403, ("coordinator", 200))),
    Row(NET + "queue/", "POST", page(405)),
    Row(NET + "members/", "GET", page(403, ("coordinator", 200))),
    Row(NET + "members/", "POST", page(405)),
    Row(NET + "decisions/", "GET", page(403, ("coordinator", 200))),
    Row(NET + "decisions/", "POST", page(405)),
    Row(NET + "memberships/<int:pk>/", "GET", page(403, ("applicant", 200), ("coordinator", 200))),
    Row(NET + "memberships/<int:pk>/", "POST", page(405)),
    Row(NET + "memberships/<int:pk>/decide/", "GET", page(405)),
    Row(
        NET + "memberships/<int:pk>/decide/",
        "POST",
        page(403, ("coordinator", "302 /networks/tipp/queue/")),
        {"decision": "reject", "reason": "Not a practitioner."},
        "form",
    ),
    # The world's applicant applied to TIPP (sponsorship): no letter to read.
    Row(NET + "memberships/<int:pk>/letter/", "GET", page(403, ("coordinator", 404))),
    Row(NET + "memberships/<int:pk>/letter/", "POST", page(405)),
    # --- Directory pages ---------------------------------------------------------------------
    Row(DIR, "GET", page(200, (INACTIVE, 403))),
    Row(DIR, "POST", page(405)),
    Row(DIR + "export.csv", "GET", page(200, (INACTIVE, 403))),
    Row(DIR + "export.csv", "POST", page(405)),
    Row(DIR + "import/", "GET", page(403, ("coordinator", 200))),
    Row(DIR + "import/", "POST", page(403, ("coordinator", 200))),
    Row(DIR + "contact-points/<int:pk>/", "GET", page(200, (INACTIVE, 403))),
    Row(DIR + "contact-points/<int:pk>/", "POST", page(405)),
    Row(DIR + "contact-points/<int:pk>/vcard/", "GET", page(200, (NOT_TIPP, 403))),
    Row(DIR + "contact-points/<int:pk>/vcard/", "POST", page(405)),
    Row(DIR + "contact-points/<int:pk>/confirm/", "GET", page(403, ("coordinator", 200))),
    Row(
        DIR + "contact-points/<int:pk>/confirm/",
        "POST",
        page(403, ("coordinator", "302 /directory/contact-points/")),
        {"action": "confirm"},
        "form",
    ),
    Row(DIR + "contact-points/<int:pk>/report/", "GET", page(200, (INACTIVE, 403))),
    Row(
        DIR + "contact-points/<int:pk>/report/",
        "POST",
        page("302 /directory/contact-points/", (INACTIVE, 403)),
        {"reason": "The desk moved to another building."},
        "form",
    ),
    Row(
        DIR + "contact-points/<int:pk>/report/",
        "POST",
        page(400, (INACTIVE, 403)),
        variant="empty form",
    ),
    Row(DIR + "authorities/<int:pk>/", "GET", page(200, (INACTIVE, 403))),
    Row(DIR + "authorities/<int:pk>/", "POST", page(405)),
    Row(DIR + "networks/<slug:slug>/stale/", "GET", page(403, ("coordinator", 200))),
    Row(DIR + "networks/<slug:slug>/stale/", "POST", page(405)),
    Row(DIR + "networks/<slug:slug>/stale/<int:pk>/reconfirm/", "GET", page(405)),
    Row(
        DIR + "networks/<slug:slug>/stale/<int:pk>/reconfirm/",
        "POST",
        page(403, ("coordinator", "302 /directory/networks/tipp/stale/")),
    ),
    Row(DIR + "networks/<slug:slug>/correspondents/", "GET", page(405)),
    Row(
        DIR + "networks/<slug:slug>/correspondents/",
        "POST",
        page(403, ("coordinator", "302 /directory/networks/tipp/stale/")),
        lambda ids: {"state": "ES", "member": ids["not_in_room_user"]},
        "form",
    ),
    Row(DIR + "networks/<slug:slug>/reports/<int:report_id>/resolve/", "GET", page(405)),
    Row(
        DIR + "networks/<slug:slug>/reports/<int:report_id>/resolve/",
        "POST",
        page(403, ("coordinator", "302 /directory/networks/tipp/stale/")),
        {"resolution": "Corrected."},
        "form",
    ),
    # --- Introductions across networks (directory/introductions, docs/trust.md): the world's
    # request was asked by other_network and is brokered by TIPP's coordinators (the entry
    # has no linked member and no correspondent); entries TIPP members already see refuse,
    # and other_network's second request while the first is pending is refused too (409).
    Row(DIR + "contact-points/<int:pk>/introduction/", "GET", page(200, (INACTIVE, 403))),
    Row(
        DIR + "contact-points/<int:pk>/introduction/",
        "POST",
        page(409, (INACTIVE, 403)),
        {"purpose": "A request for assistance.", "competence": "jit.authorize"},
        "form",
    ),
    Row(DIR + "introductions/", "GET", page(200, (INACTIVE, 403))),
    Row(DIR + "introductions/", "POST", page(405)),
    Row(INTRO, "GET", page(404, (INACTIVE, 403), (("other_network", "coordinator"), 200))),
    Row(INTRO, "POST", page(405)),
    Row(INTRO + "accept/", "GET", page(405)),
    Row(
        INTRO + "accept/",
        "POST",
        page(404, (INACTIVE, 403), ("other_network", 403), ("coordinator", "302 /rooms/")),
    ),
    Row(INTRO + "decline/", "GET", page(405)),
    Row(
        INTRO + "decline/",
        "POST",
        page(
            404,
            (INACTIVE, 403),
            ("other_network", 403),
            ("coordinator", "302 /directory/introductions/"),
        ),
        {"reason": "Not our competence."},
        "form",
    ),
    # --- Rooms: people active in no network are refused first; non-readers see nothing -------
    Row("/rooms/", "GET", page(200, (INACTIVE, 403))),
    Row("/rooms/", "POST", page(405, (INACTIVE, 403))),
    Row("/rooms/new/", "GET", page(200, (INACTIVE, 403))),
    Row("/rooms/new/", "POST", page(400, (INACTIVE, 403))),
    Row("/rooms/codes/", "GET", page(200, (INACTIVE, 403))),
    Row("/rooms/codes/", "POST", page(405, (INACTIVE, 403))),
    Row("/rooms/tags/", "GET", page(200, (INACTIVE, 403))),
    Row("/rooms/tags/", "POST", page(405, (INACTIVE, 403))),
    Row(ROOM, "GET", page(404, (INACTIVE, 403), (READERS, 200))),
    Row(ROOM, "POST", page(405, (INACTIVE, 403))),
    Row(ROOM + "threads/", "GET", page(405, (INACTIVE, 403))),
    Row(
        ROOM + "threads/",
        "POST",
        page(404, (INACTIVE, 403), (READERS, "302 /rooms/")),
        {"title": "Financial flows"},
        "form",
    ),
    Row(ROOM + "settings/", "GET", page(405, (INACTIVE, 403))),
    Row(
        ROOM + "settings/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /rooms/")),
        {"default_handling": "H1"},
        "form",
    ),
    Row(
        ROOM + "messages/fragments/",
        "GET",
        page(404, (INACTIVE, 403), (READERS, 200)),
        query="id={message}",
    ),
    Row(ROOM + "messages/fragments/", "POST", page(405, (INACTIVE, 403))),
    Row(ROOM + "messages/", "GET", page(405, (INACTIVE, 403))),
    Row(
        ROOM + "messages/",
        "POST",
        page(404, (INACTIVE, 403), (READERS, "302 /rooms/")),
        lambda ids: {**_send(ids), "handling": "H0"},
        "form",
    ),
    Row(MESSAGE + "edit/", "GET", page(404, (INACTIVE, 403), ("participant", 403), ("owner", 200))),
    Row(
        MESSAGE + "edit/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /rooms/")),
        {"body": "Seen at the port, twice."},
        "form",
    ),
    Row(MESSAGE + "delete/", "GET", page(405, (INACTIVE, 403))),
    Row(
        MESSAGE + "delete/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /rooms/")),
    ),
    Row(MESSAGE + "history/", "GET", page(404, (INACTIVE, 403), (READERS, 200))),
    Row(MESSAGE + "history/", "POST", page(405, (INACTIVE, 403))),
    Row(ROOM + "attachments/<uuid:attachment_id>/", "GET", page(404, (READERS, 200))),
    Row(ROOM + "attachments/<uuid:attachment_id>/", "POST", page(405)),
    Row(ROOM + "participants/", "GET", page(405, (INACTIVE, 403))),
    Row(
        ROOM + "participants/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /rooms/")),
        lambda ids: {"user": ids["not_in_room_user"]},
        "form",
    ),
    Row(ROOM + "participants/<int:user_id>/remove/", "GET", page(405, (INACTIVE, 403))),
    # The participant named in the path leaves; the owner removes them.
    Row(
        ROOM + "participants/<int:user_id>/remove/",
        "POST",
        page(404, (INACTIVE, 403), (READERS, "302 /rooms/")),
    ),
    # --- Translation pages ---------------------------------------------------------------------
    Row(TR, "GET", page(200)),
    Row(TR, "POST", page(200)),
    Row(TR + "new/", "GET", page(404, (READERS, 200)), query="message={message}"),
    Row(
        TR + "new/",
        "POST",
        page(404, (READERS, "302 /translations/")),
        {"target_language": "en", "purpose": "information", "due_date": _due()},
        "form",
        query="message={message}",
    ),
    Row(TR + "notifications/", "GET", page(200)),
    Row(TR + "notifications/", "POST", page("302 /translations/notifications/")),
    Row(TR + "<uuid:request_id>/", "GET", page(404, (READERS, 200), ("translator", 200))),
    Row(TR + "<uuid:request_id>/", "POST", page(404, (READERS, 200), ("translator", 200))),
    Row(TR + "<uuid:request_id>/item", "GET", page(404, ("translator", 200))),
    Row(TR + "<uuid:request_id>/item", "POST", page(404, ("translator", 200))),
    Row(TR + "<uuid:request_id>/<str:action>", "GET", page(405), params={"action": "release"}),
    Row(
        TR + "<uuid:request_id>/<str:action>",
        "POST",
        page(404, (READERS, "302 /translations/"), ("translator", "302 /translations/")),
        params={"action": "release"},
    ),
    # --- JIT proposals (messaging/jit/access.py): the room's readers, and the routed
    # authorizing contact (the translator, in the world); only readers change the draft -------
    Row(JIT, "GET", page(200)),
    Row(JIT, "POST", page(405)),
    Row(JIT + "rooms/<uuid:room_id>/new/", "GET", page(404, (READERS, 200))),
    Row(
        JIT + "rooms/<uuid:room_id>/new/",
        "POST",
        page(404, (READERS, "302 /jit/")),
        {
            "title": "JIT Harbour",
            "states": "ES NG",
            "period_start": "2027-01-01",
            "period_end": "2027-06-30",
            "team_type": "parallel_active",
        },
        "form",
    ),
    Row(PROPOSAL, "GET", page(404, (READERS, 200), ("translator", 200))),
    Row(PROPOSAL, "POST", page(405)),
    Row(PROPOSAL + "edit/", "GET", page(404, (READERS, 200), ("translator", 403))),
    Row(
        PROPOSAL + "edit/",
        "POST",
        page(404, (READERS, "302 /jit/"), ("translator", 403)),
        lambda ids: {"section_media": f"No statements ({uuid.uuid4()}).", "note": ""},
        "form",
    ),
    Row(
        PROPOSAL + "versions/<int:number>/diff/",
        "GET",
        page(404, (READERS, 200), ("translator", 200)),
    ),
    Row(PROPOSAL + "versions/<int:number>/diff/", "POST", page(405)),
    Row(
        PROPOSAL + "document/<str:language>/", "GET", page(404, (READERS, 200), ("translator", 200))
    ),
    Row(PROPOSAL + "document/<str:language>/", "POST", page(405)),
    Row(
        PROPOSAL + "signatures/<int:signature_id>/scan/",
        "GET",
        page(404, (READERS, 200), ("translator", 200)),
    ),
    Row(PROPOSAL + "signatures/<int:signature_id>/scan/", "POST", page(405)),
    Row(PROPOSAL + "<str:step>", "GET", page(405), params={"step": "comment"}),
    Row(
        PROPOSAL + "<str:step>",
        "POST",
        page(404, (READERS, "302 /jit/"), ("translator", "302 /jit/")),
        {"section": "places", "body": "Add Abuja?"},
        "form",
        params={"step": "comment"},
    ),
    # --- Permission pages ----------------------------------------------------------------------
    Row(ROOM + "guests/", "GET", page(404, ("owner", 200), (LIMITED_AND_PARTICIPANT, 403))),
    Row(
        ROOM + "guests/",
        "POST",
        page(404, ("owner", "302 /rooms/"), (LIMITED_AND_PARTICIPANT, 403)),
        _guest_proposal,
        "form",
    ),
    Row("/rooms/guests/", "GET", page(200)),
    Row("/rooms/guests/", "POST", page(405)),
    Row("/rooms/guests/<int:guest_id>/decision/", "GET", page(405)),
    Row(
        "/rooms/guests/<int:guest_id>/decision/",
        "POST",
        page(404, ("coordinator", "302 /rooms/guests/")),
        {"decision": "approve"},
        "form",
    ),
    Row("/rooms/guests/<int:guest_id>/end/", "GET", page(405)),
    Row(
        "/rooms/guests/<int:guest_id>/end/",
        "POST",
        page(404, (("owner", "coordinator"), "302 /rooms/guests/")),
        {},
        "form",
    ),
    # Letting a support participant read an H1/H2 item (the world's H2 item is the owner's;
    # its support participant reads none of the item's threads): the provider is refused that
    # recipient, another reader is not the provider (both: back to the room with the
    # refusal); the others find no such item.
    Row("/permissions/share/", "GET", page(405)),
    Row(
        "/permissions/share/",
        "POST",
        page(404, (READERS, "302 /rooms/")),
        lambda ids: {"message": str(ids["provided"]), "recipients": str(ids["participant_user"])},
        "form",
    ),
    Row("/permissions/", "GET", page(200)),
    Row("/permissions/", "POST", page(200)),
    Row("/permissions/<uuid:permission_id>/answer/", "GET", page(405)),
    # The provider's answer, or another reader's refusal shown on the page they return to.
    Row(
        "/permissions/<uuid:permission_id>/answer/",
        "POST",
        page(404, (READERS, "302 /permissions/")),
        {"answer": "granted"},
        "form",
    ),
    # --- Language pairs -----------------------------------------------------------------------
    Row("/languages/", "GET", page(200)),
    Row(
        "/languages/",
        "POST",
        page("302 /languages/", (INACTIVE, 403)),
        {"source": "pt", "target": "en"},
        "form",
    ),
    Row("/languages/<int:pair_id>/withdraw", "GET", page(405)),
    Row("/languages/<int:pair_id>/withdraw", "POST", page("302 /languages/")),
    # the evidence: its translator and the coordinators of their networks download it; only
    # the translator uploads (anyone else is told there is no such pair, and redirected)
    Row(
        "/languages/<int:pair_id>/evidence", "GET", page(404, (("translator", "coordinator"), 200))
    ),
    Row(
        "/languages/<int:pair_id>/evidence",
        "POST",
        page("302 /languages/"),
        _png_evidence,
        "multipart",
    ),
    Row("/languages/verifications/", "GET", page(403, ("coordinator", 200))),
    Row("/languages/verifications/", "POST", page(405)),
    Row("/languages/verifications/<int:pair_id>", "GET", page(405)),
    Row(
        "/languages/verifications/<int:pair_id>",
        "POST",
        page(404, ("coordinator", "302 /languages/verifications/")),
        {"expires": _due()},
        "form",
    ),
    Row("/languages/verifications/<int:pair_id>/withdraw", "GET", page(405)),
    Row(
        "/languages/verifications/<int:pair_id>/withdraw",
        "POST",
        page(404, ("coordinator", "302 /languages/verifications/")),
    ),
    # --- API: networks and vetting -------------------------------------------------------------
    Row(A + "networks/", "GET", api(200)),
    Row(ANET, "GET", api(200)),
    Row(A + "memberships/", "GET", api(200)),
    Row(ANET + "apply/", "POST", api(400)),
    # TIPP admits by sponsorship in the world: a seat and a letter are refused for everyone.
    Row(ANET + "apply/", "POST", api(400), _designation, "multipart", variant="letter"),
    Row(ANET + "applications/", "GET", api(200, (NOT_TIPP, 403))),
    Row(
        ANET + "applications/<int:pk>/endorse/",
        "POST",
        api(201, (NOT_TIPP, 403), ("owner", 409)),
        {"statement": "I worked with her on two cases."},
    ),
    Row(ANET + "queue/", "GET", api(403, ("coordinator", 200))),
    Row(ANET + "members/", "GET", api(403, ("coordinator", 200))),
    Row(ANET + "decisions/", "GET", api(403, ("coordinator", 200))),
    Row(AMEMBERSHIP + "decisions/", "GET", api(403, ("applicant", 200), ("coordinator", 200))),
    Row(AMEMBERSHIP + "role/", "POST", api(403, ("coordinator", 400))),
    # No letter in the world (as the page's row); everyone but coordinators: 404 all the same.
    Row(AMEMBERSHIP + "letter/", "GET", api(404)),
    *[
        Row(AMEMBERSHIP + f"{decision}/", "POST", api(403, ("coordinator", 400)))
        for decision in ("approve", "renew", "suspend", "reinstate", "revoke", "allow-readmission")
    ],
    Row(
        AMEMBERSHIP + "reject/",
        "POST",
        api(403, ("coordinator", 200)),
        {"reason": "Not a practitioner."},
    ),
    # --- API: own account -------------------------------------------------------------------------
    Row(A + "me/", "GET", api(200)),
    Row(A + "me/", "PATCH", api(200), {"position": "Senior prosecutor"}),
    Row(A + "tokens/", "GET", api(200)),
    Row(A + "tokens/", "POST", api(201), {"name": "phone", "lifetime_days": 30}),
    Row(A + "tokens/<int:token_id>/", "DELETE", api(404, ("participant", 204))),
    Row(A + "invitations/", "GET", api(200)),
    Row(A + "invitations/<int:invitation_id>/revoke/", "POST", api(404, ("coordinator", 200))),
    Row(
        ANET + "invitations/",
        "POST",
        api(201, (NOT_TIPP, 403)),
        {"email": "colleague@example.org", "note": "Works on the port case"},
    ),
    # --- API: directory ---------------------------------------------------------------------------
    Row(ADIR + "contact-points/", "GET", api(200, (INACTIVE, 403))),
    Row(ADIR + "contact-points/<int:pk>/", "GET", api(200, (INACTIVE, 403))),
    Row(ADIR + "contact-points/<int:pk>/vcard/", "GET", api(200, (NOT_TIPP, 403))),
    Row(ADIR + "contact-points/<int:pk>/confirm/", "POST", api(403, ("coordinator", 200))),
    Row(
        ADIR + "contact-points/<int:pk>/correct/",
        "POST",
        api(403, ("coordinator", 200)),
        {"office_hours": "Mon-Fri 9-17"},
    ),
    Row(
        ADIR + "contact-points/<int:pk>/report/",
        "POST",
        api(201, (INACTIVE, 403)),
        {"reason": "The desk moved to another building."},
    ),
    Row(
        ADIR + "answer/",
        "GET",
        api(200, (INACTIVE, 403)),
        query="state=ES&competence=tip.specialized_prosecution",
    ),
    Row(ADIR + "export.csv", "GET", api(200, (INACTIVE, 403))),
    Row(ADIR + "import/", "POST", api(403, ("coordinator", 400)), _csv, "multipart"),
    Row(ADIR + "authorities/", "GET", api(200, (INACTIVE, 403))),
    Row(ADIR + "authorities/<int:pk>/", "GET", api(200, (INACTIVE, 403))),
    Row(ADIR + "networks/<slug:slug>/stale/", "GET", api(403, ("coordinator", 200))),
    Row(
        ADIR + "networks/<slug:slug>/stale/<int:pk>/reconfirm/",
        "POST",
        api(403, ("coordinator", 200)),
    ),
    Row(ADIR + "introductions/", "GET", api(200, (INACTIVE, 403))),
    Row(
        ADIR + "introductions/",
        "POST",
        api(409, (INACTIVE, 403)),
        lambda ids: {
            "contact_point": ids["contact_point"],
            "purpose": "A request for assistance.",
            "competence": "jit.authorize",
        },
    ),
    Row(AINTRO, "GET", api(404, (INACTIVE, 403), (("other_network", "coordinator"), 200))),
    Row(
        AINTRO + "accept/",
        "POST",
        api(404, (INACTIVE, 403), ("other_network", 403), ("coordinator", 200)),
    ),
    Row(
        AINTRO + "decline/",
        "POST",
        api(404, (INACTIVE, 403), ("other_network", 403), ("coordinator", 200)),
        {"reason": "Not our competence."},
    ),
    # --- API: rooms -----------------------------------------------------------------------------
    Row(A + "rooms/", "GET", api(200)),
    Row(
        A + "rooms/",
        "POST",
        api(201, (INACTIVE, 403)),
        {"kind": "case", "title": "Operation Harbour"},
    ),
    Row(AROOM, "GET", api(404, (READERS, 200))),
    Row(
        AROOM + "participants/",
        "POST",
        api(404, ("participant", 403), ("owner", 201)),
        lambda ids: {"user": ids["not_in_room_user"]},
    ),
    Row(AROOM + "participants/<int:user_id>/", "DELETE", api(404, (READERS, 204))),
    Row(AROOM + "threads/", "GET", api(404, (READERS, 200))),
    Row(AROOM + "threads/", "POST", api(404, (READERS, 201)), {"title": "Financial flows"}),
    # The restricted thread is read by the owner (its creator) and the participant; only its
    # creator or a room owner names readers (the participant already is one: 409).
    Row(
        AROOM + "threads/<uuid:thread_id>/readers/",
        "POST",
        api(404, ("owner", 409), ("participant", 403)),
        lambda ids: {"user": ids["participant_user"]},
    ),
    Row(
        AROOM + "threads/<uuid:thread_id>/readers/<int:user_id>/",
        "DELETE",
        api(404, ("owner", 200), ("participant", 403)),
    ),
    Row(A + "threads/", "GET", api(200), query="tag=Lantern"),
    Row(AROOM + "events/", "GET", api(404, (READERS, 200))),
    Row(AROOM + "messages/", "POST", api(404, (READERS, 201)), _send),
    Row(
        AROOM + "messages/<uuid:message_id>/",
        "PATCH",
        api(404, ("participant", 403), ("owner", 200)),
        {"body": "Seen at the port, twice."},
    ),
    Row(
        AROOM + "messages/<uuid:message_id>/",
        "DELETE",
        api(404, ("participant", 403), ("owner", 204)),
    ),
    Row(
        AROOM + "messages/<uuid:message_id>/attachments/",
        "POST",
        api(404, ("participant", 403), ("owner", 201)),
        _png,
        "multipart",
    ),
    Row(AROOM + "attachments/<uuid:attachment_id>/", "GET", api(404, (READERS, 200))),
    Row(AROOM + "read/", "POST", api(404, (READERS, 200)), lambda ids: {"seq": ids["seq"]}),
    Row(AROOM + "log/checkpoint/", "GET", api(404, (READERS, 200))),
    Row(AROOM + "log/consistency/", "GET", api(404, (READERS, 200)), query="from=1&to=1"),
    Row(AROOM + "settings/", "GET", api(404, (READERS, 200))),
    Row(
        AROOM + "settings/",
        "PATCH",
        api(404, ("participant", 403), ("owner", 200)),
        {"default_handling": "H1"},
    ),
    Row(AROOM + "log/proof/<int:seq>/", "GET", api(404, (READERS, 200))),
    # --- Case-record pages: the room's owners export, close and hold; its readers see the
    # exports and approve another's; holds also by the network's coordinators, who do not read
    # the room (they come back to the retention report, which only they see) ---------------
    Row(REC, "GET", page(404, (INACTIVE, 403), (READERS, 200))),
    Row(REC, "POST", page(405, (INACTIVE, 403))),
    Row(REC + "export/", "GET", page(405, (INACTIVE, 403))),
    Row(
        REC + "export/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /records/exports/")),
        {"scope": "room", "legal_basis": "Order 5/2026"},
        "form",
    ),
    Row(REC + "close/", "GET", page(405, (INACTIVE, 403))),
    Row(
        REC + "close/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 403), ("owner", "302 /records/rooms/")),
        {"confirm": "on"},
        "form",
    ),
    Row(REC + "holds/", "GET", page(405, (INACTIVE, 403))),
    Row(
        REC + "holds/",
        "POST",
        page(
            404,
            (INACTIVE, 403),
            ("owner", "302 /records/rooms/"),
            ("coordinator", "302 /records/networks/"),
        ),
        {"reason": "Appeal pending"},
        "form",
    ),
    Row("/records/holds/<uuid:hold_id>/lift/", "GET", page(405, (INACTIVE, 403))),
    Row(
        "/records/holds/<uuid:hold_id>/lift/",
        "POST",
        page(
            404,
            (INACTIVE, 403),
            ("owner", "302 /records/rooms/"),
            ("coordinator", "302 /records/networks/"),
        ),
    ),
    Row(EXPORT, "GET", page(404, (INACTIVE, 403), (READERS, 200))),
    Row(EXPORT, "POST", page(405, (INACTIVE, 403))),
    Row(EXPORT + "approve/", "GET", page(405, (INACTIVE, 403))),
    # The world's export is built already (409); its requester never approves it (400).
    Row(
        EXPORT + "approve/",
        "POST",
        page(404, (INACTIVE, 403), ("participant", 409), ("owner", 400)),
    ),
    Row(EXPORT + "download/", "GET", page(404, (INACTIVE, 403), ("owner", 200))),
    Row(EXPORT + "download/", "POST", page(405, (INACTIVE, 403))),
    Row("/records/networks/<slug:slug>/retention/", "GET", page(403, ("coordinator", 200))),
    Row(
        "/records/networks/<slug:slug>/retention/",
        "POST",
        page(403, ("coordinator", "302 /records/networks/")),
        {"closed_room_days": "90"},
        "form",
    ),
    # --- API: case records (the world's export was requested by the owner and is built) ---
    Row(
        AROOM + "records/",
        "POST",
        api(404, ("participant", 403), ("owner", 201)),
        {"legal_basis": "Order 5/2026"},
    ),
    Row(A + "records/<uuid:export_id>/", "GET", api(404, (READERS, 200))),
    Row(
        A + "records/<uuid:export_id>/approve/",
        "POST",
        api(404, ("participant", 409), ("owner", 400)),
    ),
    Row(A + "records/<uuid:export_id>/download/", "GET", api(404, ("owner", 200))),
    # --- API: JIT proposals ---------------------------------------------------------------------
    Row(AJIT, "GET", api(200)),
    Row(AJIT + "<uuid:proposal_id>/", "GET", api(404, (READERS, 200), ("translator", 200))),
    Row(
        AJIT + "<uuid:proposal_id>/consent/",
        "POST",
        api(404, (READERS, 403), ("translator", 201)),
        lambda ids: {"state": "NG", "version": _latest_jit_version(ids), "decision": "consent"},
    ),
    Row(
        AJIT + "<uuid:proposal_id>/signatures/<int:signature_id>/scan/",
        "GET",
        api(404, (READERS, 200), ("translator", 200)),
    ),
    # Closing a case: its owner; holds: its owners and the network's coordinators, who do not
    # read the room; the retention report and period: the network's coordinators.
    Row(AROOM + "close/", "POST", api(404, ("participant", 403), ("owner", 200)), {}),
    Row(
        AROOM + "holds/",
        "POST",
        api(404, (("owner", "coordinator"), 201)),
        {"reason": "Appeal pending"},
    ),
    Row(A + "holds/<uuid:hold_id>/", "DELETE", api(404, (("owner", "coordinator"), 204))),
    Row(ANET + "retention/", "GET", api(403, ("coordinator", 200))),
    Row(
        ANET + "retention/",
        "PUT",
        api(403, ("coordinator", 200)),
        {"closed_room_days": 90},
    ),
    # --- API: translations ------------------------------------------------------------------------
    Row(ATR, "GET", api(200)),
    Row(
        ATR,
        "POST",
        api(404, (READERS, 201)),
        lambda ids: {
            "message": str(ids["message"]),
            "source_language": "es",
            "target_language": "en",
            "purpose": "information",
            "due_date": _due(),
        },
    ),
    Row(
        ATR + "availability/",
        "GET",
        api(404, (READERS, 200)),
        query="message={message}&target_language=en&purpose=information",
    ),
    Row(ATR + "board/", "GET", api(200)),
    # Every other path under /api/: the API's 404, and nothing said of what exists without a
    # verified session.
    Row("/api/", "GET", api(404)),
    Row("/api/", "POST", api(404)),
    Row(ATR + "queue/", "GET", api(200)),
    Row(ATR + "notifications/", "GET", api(200)),
    Row(ATR + "notifications/read-all/", "POST", api(200)),
    Row(ATR + "notifications/<int:notification_id>/read/", "POST", api(404, ("translator", 200))),
    Row(ATR + "<uuid:request_id>/", "GET", api(404, (READERS, 200), ("translator", 200))),
    Row(ATR + "<uuid:request_id>/item/", "GET", api(404, ("translator", 200))),
    Row(
        ATR + "<uuid:request_id>/<str:action>/",
        "POST",
        api(404, (READERS, 403), ("translator", 200)),
        params={"action": "release"},
        variant="release",
    ),
    Row(
        ATR + "<uuid:request_id>/<str:action>/",
        "POST",
        api(404, (READERS, 403), ("translator", 200)),
        {"text": "The victim was moved from the port to the capital."},
        params={"action": "submit"},
        variant="submit",
    ),
    Row(
        ATR + "<uuid:request_id>/<str:action>/",
        "POST",
        api(404, ("owner", 200), ("participant", 403), ("translator", 403)),
        params={"action": "cancel"},
        variant="cancel",
    ),
    # --- API: permissions to pass an item on ----------------------------------------------------
    Row(A + "permissions/", "GET", api(200)),
    Row(
        A + "permissions/",
        "POST",
        # The owner provided the item: no permission of their own to ask (409).
        api(404, ("participant", 201), ("owner", 409)),
        lambda ids: {"message": str(ids["provided"]), "purpose": "quote", "outside": True},
    ),
    # Only the provider shares; an official participant reads the item already (400).
    Row(
        A + "permissions/share/",
        "POST",
        api(403, ("owner", 400)),
        lambda ids: {"message": str(ids["provided"]), "recipients": [ids["participant_user"]]},
    ),
    Row(A + "permissions/<uuid:permission_id>/", "GET", api(404, (READERS, 200))),
    Row(
        A + "permissions/<uuid:permission_id>/answer/",
        "POST",
        # Only the provider answers.
        api(404, ("owner", 200), ("participant", 403)),
        {"answer": "granted"},
    ),
    # --- API: language pairs, schema ------------------------------------------------------------
    Row(A + "language-pairs/", "GET", api(200)),
    Row(A + "language-pairs/", "POST", api(201, (INACTIVE, 403)), {"source": "pt", "target": "en"}),
    Row(A + "language-pairs/<int:pair_id>/", "DELETE", api(404, ("translator", 204))),
    Row(
        A + "language-pairs/<int:pair_id>/evidence/",
        "POST",
        api(404, ("translator", 201)),
        _png_evidence,
        "multipart",
    ),
    Row(A + "language-pairs/verifications/", "GET", api(403, ("coordinator", 200))),
    Row(
        A + "language-pairs/<int:pair_id>/verification/",
        "POST",
        api(404, ("coordinator", 200)),
        {"expires": _due()},
    ),
    # not verified yet: nothing to withdraw
    Row(A + "language-pairs/<int:pair_id>/verification/", "DELETE", api(404, ("coordinator", 409))),
    # Room guests (messaging/guests/access.py): the room's owners see and propose; the other
    # readers are refused (403); a coordinator of the network decides on and ends the pending
    # proposal, as does its sponsoring owner end it; everyone else finds nothing (404).
    Row(
        A + "rooms/<uuid:room_id>/guests/",
        "GET",
        api(404, ("owner", 200), (LIMITED_AND_PARTICIPANT, 403)),
    ),
    Row(
        A + "rooms/<uuid:room_id>/guests/",
        "POST",
        api(404, ("owner", 201), (LIMITED_AND_PARTICIPANT, 403)),
        _guest_proposal,
    ),
    Row(A + "guests/", "GET", api(200)),
    Row(
        A + "guests/<int:guest_id>/decision/",
        "POST",
        api(404, ("coordinator", 200)),
        {"decision": "approve"},
    ),
    Row(A + "guests/<int:guest_id>/end/", "POST", api(404, (("owner", "coordinator"), 200)), {}),
    Row(A + "schema/", "GET", everyone(200, ("half", 401))),
    Row(A + "docs/", "GET", everyone(200, ("half", 401))),
]

# The support participant reads the room like the participant, but none of its threads; it
# is no owner. Its outcome where it differs from the row's default.
SUPPORT = {
    "GET /rooms/<uuid:room_id>/": 200,
    "POST /rooms/<uuid:room_id>/threads/": "302 /rooms/",
    "POST /rooms/<uuid:room_id>/settings/": 403,
    "GET /rooms/<uuid:room_id>/messages/fragments/": 200,
    "POST /rooms/<uuid:room_id>/messages/": 400,
    "POST /rooms/<uuid:room_id>/participants/": 403,
    "POST /rooms/<uuid:room_id>/participants/<int:user_id>/remove/": 403,
    "GET /api/v1/rooms/<uuid:room_id>/": 200,
    "POST /api/v1/rooms/<uuid:room_id>/participants/": 403,
    "DELETE /api/v1/rooms/<uuid:room_id>/participants/<int:user_id>/": 403,
    "GET /api/v1/rooms/<uuid:room_id>/threads/": 200,
    "POST /api/v1/rooms/<uuid:room_id>/threads/": 201,
    "GET /api/v1/rooms/<uuid:room_id>/events/": 200,
    "POST /api/v1/rooms/<uuid:room_id>/messages/": 400,
    "POST /api/v1/rooms/<uuid:room_id>/read/": 200,
    "GET /api/v1/rooms/<uuid:room_id>/log/checkpoint/": 200,
    "GET /api/v1/rooms/<uuid:room_id>/log/consistency/": 200,
    "GET /api/v1/rooms/<uuid:room_id>/settings/": 200,
    "PATCH /api/v1/rooms/<uuid:room_id>/settings/": 403,
    "GET /api/v1/rooms/<uuid:room_id>/log/proof/<int:seq>/": 200,
}
for _row in ROWS:
    if _row.key in SUPPORT:
        _row.expect["support"] = SUPPORT[_row.key]

# The observer is in the room as the support participant is (both limited capacities). The
# guest too, in the room; elsewhere it is an account active in no network, like the applicant,
# but for what concerns an application (GUEST: where it differs from the applicant).
GUEST = {
    "GET /networks/<slug:slug>/memberships/<int:pk>/": 403,
    "GET /api/v1/networks/<slug:slug>/memberships/<int:pk>/decisions/": 403,
}
# The pages of rooms and case records let the guest in (messaging/views.py `member_pages`);
# but for opening a room, what the guest then meets is what the support participant meets.
ROOM_PAGES = ("/rooms/", "/records/")
for _row in ROWS:
    _row.expect["observer"] = _row.expect["support"]
    if _row.key in GUEST:
        _row.expect["guest"] = GUEST[_row.key]
    elif (
        _row.key in SUPPORT
        or "guests/" in _row.route
        or _row.route.startswith(ROOM_PAGES)
        and not _row.route.startswith("/rooms/new/")
    ):
        _row.expect["guest"] = _row.expect["support"]
    else:
        _row.expect["guest"] = _row.expect["applicant"]
