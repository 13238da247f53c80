"""Every write of the JIT workflow.

Each action checks its input and the actor's role, locks the room row (the room's log is
written in the same transaction), writes, appends a `jit.changed` event to the room's log,
records an audit entry, and notifies after commit. A refused action raises `JitError` and
writes nothing.

    draft ──every party consents to the latest version──> agreed ──every party signs──> in force
      ^                                                                                    │
      └─────────── a new version (amendment, extension) reopens the consents ──────────────┘
    (in force stays in force with its signed version while an amendment is open)
    in force / agreed / draft ──close──> closed ──evaluation (once)
"""

import datetime
import difflib
import hashlib
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.jit import access, routing
from messaging.jit import crypto as jit_crypto
from messaging.jit.models import (
    Consent,
    Evaluation,
    Notice,
    Party,
    Proposal,
    ProposalVersion,
    Route,
    SectionComment,
    Signature,
)
from messaging.jit.notices import notify
from messaging.jit.sections import (
    LEGAL_BASIS_CODES,
    RENDER_LANGUAGES,
    SECTION_KEYS,
    SECTION_MAX,
    TEAM_TYPE_CODES,
    default_language,
    section_title,
)
from messaging.models import Room, RoomEvent, RoomParticipant
from messaging.room_writes import append_event, finish_write, lock_room
from messaging.text import TextRefused, clean_text
from network.audit import log as audit
from network.errors import DomainError
from network.iso import state_names

TITLE_MAX = 200
NOTE_MAX = 2000
SCAN_MAX = 10 * 1024 * 1024
SCAN_TYPES = ("application/pdf", "image/png", "image/jpeg")
SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
# A routed contact point that has not answered the latest version within this many days is
# overdue on the status board.
RESPONSE_DAYS = 14
Status = Proposal.Status


class JitError(DomainError):
    """A refused step of the JIT workflow: `code` names the reason."""


def _invalid(field: str, message: str) -> JitError:
    return JitError("invalid_field", message, field=field)


def _text(value, field: str, *, max_length: int, required: bool = False) -> str:
    try:
        return clean_text(value, field, max_length=max_length, required=required)
    except TextRefused as refused:
        raise JitError(refused.code, refused.message, field=field) from refused


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise _invalid(field, _("Give a date as YYYY-MM-DD.")) from exc


def _period(start, end) -> tuple[datetime.date, datetime.date]:
    start, end = _date(start, "period_start"), _date(end, "period_end")
    if end < start:
        raise JitError(
            "period_end_before_start",
            _("The period ends before it starts."),
            field="period_end",
        )
    return start, end


def _states(values) -> list[str]:
    states = []
    for value in values or ():
        code = str(value).strip().upper()
        if code not in state_names():
            raise _invalid(
                "states", _("%(code)s is not an ISO 3166-1 state code.") % {"code": code}
            )
        if code not in states:
            states.append(code)
    if len(states) < 2:
        raise _invalid("states", _("A joint investigation team needs two or more party states."))
    return states


def _sections(values: dict) -> dict:
    values = values or {}
    unknown = set(values) - set(SECTION_KEYS)
    if unknown:
        raise _invalid("sections", _("Unknown section: %(name)s.") % {"name": sorted(unknown)[0]})
    return {
        key: _text(values.get(key, ""), f"sections.{key}", max_length=SECTION_MAX)
        for key in SECTION_KEYS
    }


def _team_type(value) -> str:
    if value not in TEAM_TYPE_CODES:
        raise _invalid("team_type", _("Choose a type of team from the list."))
    return value


def _legal_basis(values: dict, states: list[str]) -> dict:
    values = values or {}
    chosen = {}
    for state in states:
        code = values.get(state, "untoc_19")
        if code not in LEGAL_BASIS_CODES:
            raise _invalid("legal_basis", _("Choose a legal basis from the list."))
        chosen[state] = code
    if set(values) - set(states):
        raise _invalid("legal_basis", _("A legal basis is given for a state that is not a party."))
    return chosen


def _languages(values: dict, states: list[str]) -> dict:
    values = values or {}
    for state, language in values.items():
        if state not in states or language not in RENDER_LANGUAGES:
            raise _invalid("languages", _("Choose English, Spanish, French or Portuguese."))
    return {state: values.get(state, default_language(state)) for state in states}


# --- The room's log, the audit log ---------------------------------------------------------


def _log(room: Room, proposal: Proposal, *, actor, step: str, **details) -> None:
    """A `jit.changed` event on the locked room's log, and an audit entry: ids and steps,
    never texts."""
    details = {"proposal": str(proposal.pk), "step": step, **details}
    event = append_event(room, kind=RoomEvent.Kind.JIT_CHANGED, actor=actor, details=details)
    finish_write(room, event)
    audit.record(f"jit.{step}", actor=actor, target=proposal, details=details)


def _participants(room: Room) -> list:
    return [
        p.user for p in RoomParticipant.objects.current().filter(room=room).select_related("user")
    ]


def _everyone(proposal: Proposal) -> list:
    routed = [
        r.member
        for r in Route.objects.filter(
            party__proposal=proposal, member__isnull=False
        ).select_related("member")
    ]
    return _participants(proposal.room) + routed


def _lock(proposal: Proposal) -> tuple[Room, Proposal]:
    room = lock_room(proposal.room)
    return room, Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)


def _require_participant(user, proposal: Proposal) -> None:
    if access.role_of(user, proposal) != access.PARTICIPANT:
        raise JitError("not_allowed", _("Only the case room's participants change the proposal."))


def _require_open(proposal: Proposal) -> None:
    if proposal.status == Status.CLOSED:
        raise JitError("wrong_status", _("The JIT is closed."))


# --- Versions ------------------------------------------------------------------------------


@dataclass
class VersionContent:
    sections: dict
    legal_basis: dict
    note: str


def _seal_version(proposal: Proposal, version: ProposalVersion, content: VersionContent) -> bytes:
    return jit_crypto.seal(
        proposal,
        epoch=version.key_epoch,
        record=f"jit-version:{version.pk}",
        field="content",
        value={
            "sections": content.sections,
            "legal_basis": content.legal_basis,
            "note": content.note,
        },
    )


def open_version(version: ProposalVersion) -> VersionContent:
    value = jit_crypto.open_sealed(
        version.proposal,
        version.content_ciphertext,
        epoch=version.key_epoch,
        record=f"jit-version:{version.pk}",
        field="content",
    )
    return VersionContent(value["sections"], value["legal_basis"], value["note"])


def _new_version(room, proposal, *, author, start, end, team_type, content) -> ProposalVersion:
    latest = proposal.versions.order_by("-number").first()
    version = ProposalVersion(
        proposal=proposal,
        number=(latest.number + 1) if latest else 1,
        author=author,
        period_start=start,
        period_end=end,
        team_type=team_type,
        key_epoch=room.key_epoch,
    )
    version.content_ciphertext = _seal_version(proposal, version, content)
    version.save(force_insert=True)
    return version


def start_proposal(
    *,
    room: Room,
    proposer,
    title,
    states,
    period_start,
    period_end,
    team_type,
    sections: dict | None = None,
    legal_basis: dict | None = None,
    languages: dict | None = None,
) -> Proposal:
    """A participant of a case room starts a proposal for two or more party states; each
    party is routed (messaging/jit/routing.py) and its routed members told."""
    from messaging.access import can_read

    if room.kind != Room.Kind.CASE or not can_read(proposer, room):
        raise JitError("not_allowed", _("A JIT proposal starts from a case room you take part in."))
    title = _text(title, "title", max_length=TITLE_MAX, required=True)
    states = _states(states)
    start, end = _period(period_start, period_end)
    content = VersionContent(_sections(sections), _legal_basis(legal_basis, states), "")
    team_type = _team_type(team_type)
    languages = _languages(languages, states)
    with transaction.atomic():
        locked_room = lock_room(room)
        proposal = Proposal.objects.create(room=locked_room, title=title, created_by=proposer)
        version = _new_version(
            locked_room,
            proposal,
            author=proposer,
            start=start,
            end=end,
            team_type=team_type,
            content=content,
        )
        routed = []
        for state in states:
            how, contacts = routing.candidates(state)
            party = Party.objects.create(
                proposal=proposal, state=state, language=languages[state], routing=how
            )
            routed += routing.route_party(party, contacts, proposer=proposer)
        _log(
            locked_room,
            proposal,
            actor=proposer,
            step="started",
            version=version.number,
            states=states,
        )
        notify(recipients=[r.member for r in routed], kind=Notice.Kind.ROUTED, proposal=proposal)
    return proposal


def route_again(*, proposal: Proposal, actor, state: str) -> list[Route]:
    """Route a party again from the directory as it is now (a contact point was added or
    re-verified since); routes already made stay."""
    _require_participant(actor, proposal)
    _require_open(proposal)
    with transaction.atomic():
        room, proposal = _lock(proposal)
        party = proposal.parties.filter(state=state).first()
        if party is None:
            raise _invalid("state", _("This state is not a party."))
        how, contacts = routing.candidates(state)
        known = set(party.routes.values_list("contact_point_id", flat=True))
        party.routing = how
        party.save(update_fields=["routing"])
        routes = routing.route_party(
            party, [c for c in contacts if c.pk not in known], proposer=actor
        )
        _log(room, proposal, actor=actor, step="routed", state=state, routes=len(routes))
        notify(recipients=[r.member for r in routes], kind=Notice.Kind.ROUTED, proposal=proposal)
    return routes


def revise_proposal(
    *,
    proposal: Proposal,
    author,
    note,
    sections: dict | None = None,
    period_start=None,
    period_end=None,
    team_type=None,
    legal_basis: dict | None = None,
    step: str = "revised",
) -> ProposalVersion:
    """A new version. Sections, legal bases and the period not given are kept. Every
    party's answer to an earlier version is reopened, saying which version changed what."""
    _require_participant(author, proposal)
    _require_open(proposal)
    note = _text(note, "note", max_length=NOTE_MAX)
    latest = proposal.latest_version()
    previous = open_version(latest)
    states = list(proposal.parties.values_list("state", flat=True))
    merged = {**previous.sections, **(sections or {})}
    content = VersionContent(
        _sections(merged),
        _legal_basis({**previous.legal_basis, **(legal_basis or {})}, states),
        note,
    )
    start, end = _period(period_start or latest.period_start, period_end or latest.period_end)
    team_type = _team_type(team_type or latest.team_type)
    changed = changed_parts(latest, previous, start, end, team_type, content)
    if not changed:
        raise JitError("nothing_changed", _("This version changes nothing."))
    with transaction.atomic():
        room, proposal = _lock(proposal)
        if proposal.latest_version().pk != latest.pk:
            raise JitError("superseded_version", _("Someone saved a newer version meanwhile."))
        version = _new_version(
            room,
            proposal,
            author=author,
            start=start,
            end=end,
            team_type=team_type,
            content=content,
        )
        because = _("Version %(number)s changed: %(parts)s.") % {
            "number": version.number,
            "parts": ", ".join(changed),
        }
        reopened = Consent.objects.filter(party__proposal=proposal, reopened_at__isnull=True)
        reopened.update(reopened_at=timezone.now(), reopened_because=because[:300])
        proposal.agreed_version = None
        if proposal.status == Status.AGREED:
            proposal.status = Status.DRAFT
        proposal.save(update_fields=["agreed_version", "status"])
        _log(room, proposal, actor=author, step=step, version=version.number)
        notify(
            recipients=_everyone(proposal),
            kind=Notice.Kind.NEW_VERSION,
            proposal=proposal,
            exclude=author,
        )
    return version


def changed_parts(latest, previous: VersionContent, start, end, team_type, content) -> list[str]:
    """The titles of what differs between a version and a would-be next one."""
    parts = [
        section_title(key)
        for key in SECTION_KEYS
        if previous.sections.get(key, "") != content.sections[key]
    ]
    if (start, end) != (latest.period_start, latest.period_end):
        parts.append(str(_("period")))
    if team_type != latest.team_type:
        parts.append(section_title("team_type"))
    if previous.legal_basis != content.legal_basis:
        parts.append(section_title("legal_basis"))
    return parts


def propose_extension(*, proposal: Proposal, author, period_end, note) -> ProposalVersion:
    """An extension is a new version with a later end, through the same consent loop."""
    if proposal.status != Status.IN_FORCE:
        raise JitError("wrong_status", _("Only a JIT in force is extended."))
    end = _date(period_end, "period_end")
    current = proposal.in_force_version
    if end <= current.period_end:
        raise _invalid("period_end", _("An extension ends after the current period."))
    return revise_proposal(
        proposal=proposal, author=author, note=note, period_end=end, step="extension_proposed"
    )


@dataclass
class SectionDiff:
    title: str
    lines: list[tuple[str, str]]  # (" ", "+", "-") and the line


def diff_versions(old: ProposalVersion, new: ProposalVersion) -> list[SectionDiff]:
    """What changed from `old` to `new`, section by section, line by line."""
    before, after = open_version(old), open_version(new)
    diffs = []
    if (old.period_start, old.period_end) != (new.period_start, new.period_end):
        diffs.append(
            SectionDiff(
                str(_("period")),
                [
                    ("-", f"{old.period_start} – {old.period_end}"),
                    ("+", f"{new.period_start} – {new.period_end}"),
                ],
            )
        )
    if old.team_type != new.team_type:
        diffs.append(
            SectionDiff(section_title("team_type"), [("-", old.team_type), ("+", new.team_type)])
        )
    for key in SECTION_KEYS:
        a = before.sections.get(key, "").splitlines()
        b = after.sections.get(key, "").splitlines()
        if a == b:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(a, b) if line[:1] in (" ", "+", "-")]
        diffs.append(SectionDiff(section_title(key), lines))
    return diffs


# --- Comments ------------------------------------------------------------------------------


def comment(*, proposal: Proposal, author, section: str, body) -> SectionComment:
    if access.role_of(author, proposal) is None:
        raise access.UnknownProposal()
    if section not in SECTION_KEYS:
        raise _invalid("section", _("Unknown section: %(name)s.") % {"name": section})
    body = _text(body, "body", max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        room, proposal = _lock(proposal)
        row = SectionComment(
            proposal=proposal,
            version=proposal.latest_version(),
            section=section,
            author=author,
            key_epoch=room.key_epoch,
        )
        row.body_ciphertext = jit_crypto.seal(
            proposal, epoch=row.key_epoch, record=f"jit-comment:{row.pk}", field="body", value=body
        )
        row.save(force_insert=True)
        _log(room, proposal, actor=author, step="commented", section=section)
    return row


def open_comment(row: SectionComment) -> str:
    return jit_crypto.open_sealed(
        row.proposal,
        row.body_ciphertext,
        epoch=row.key_epoch,
        record=f"jit-comment:{row.pk}",
        field="body",
    )


# --- Consent -------------------------------------------------------------------------------


def _party_for(user, proposal: Proposal, state) -> Party:
    party = next((p for p in access.routed_parties(user, proposal) if p.state == state), None)
    if party is None:
        raise JitError(
            "not_allowed", _("Only a contact point this party was routed to answers for it.")
        )
    return party


def record_consent(
    *, proposal: Proposal, user, state, version_number, decision, note=""
) -> Consent:
    """A routed contact point answers for its party: consent, consent with conditions, or
    refusal with a reason, for one version (the latest)."""
    if access.role_of(user, proposal) is None:
        raise access.UnknownProposal()
    _require_open(proposal)
    party = _party_for(user, proposal, state)
    if decision not in Consent.Decision.values:
        raise _invalid("decision", _("Choose consent, consent with conditions or refusal."))
    required = decision != Consent.Decision.CONSENT
    note = _text(note, "note", max_length=NOTE_MAX, required=required)
    with transaction.atomic():
        room, proposal = _lock(proposal)
        latest = proposal.latest_version()
        if str(version_number) != str(latest.number):
            raise JitError(
                "superseded_version",
                _("Version %(number)s is not the latest: answer version %(latest)s.")
                % {"number": version_number, "latest": latest.number},
                field="version",
            )
        if Consent.objects.filter(party=party, version=latest).exists():
            raise JitError("already_answered", _("This party already answered this version."))
        consent = Consent(party=party, version=latest, decision=decision, decided_by=user)
        if note:
            consent.note_ciphertext = jit_crypto.seal(
                proposal,
                epoch=latest.key_epoch,
                record=f"jit-consent:{party.pk}:{latest.pk}",
                field="note",
                value=note,
            )
        consent.save(force_insert=True)
        _log(
            room,
            proposal,
            actor=user,
            step="answered",
            state=party.state,
            version=latest.number,
            decision=decision,
        )
        if _all_consented(proposal, latest):
            proposal.agreed_version = latest
            if proposal.status == Status.DRAFT:
                proposal.status = Status.AGREED
            proposal.save(update_fields=["agreed_version", "status"])
            _log(room, proposal, actor=user, step="agreed", version=latest.number)
            notify(recipients=_everyone(proposal), kind=Notice.Kind.AGREED, proposal=proposal)
        else:
            notify(
                recipients=_everyone(proposal),
                kind=Notice.Kind.CONSENT,
                proposal=proposal,
                exclude=user,
            )
    return consent


def _all_consented(proposal: Proposal, version: ProposalVersion) -> bool:
    agreeing = Consent.objects.filter(
        version=version, decision__in=[Consent.Decision.CONSENT, Consent.Decision.CONDITIONS]
    ).values("party_id")
    return not proposal.parties.exclude(pk__in=agreeing).exists()


def open_consent_note(consent: Consent) -> str:
    return (
        jit_crypto.open_sealed(
            consent.party.proposal,
            consent.note_ciphertext,
            epoch=consent.version.key_epoch,
            record=f"jit-consent:{consent.party_id}:{consent.version_id}",
            field="note",
        )
        or ""
    )


# --- Signatures ----------------------------------------------------------------------------


def sign(
    *,
    proposal: Proposal,
    user,
    state,
    version_number,
    signatory,
    signed_on,
    scan: bytes,
    content_type: str,
) -> Signature:
    """A party's signed scan of the agreed version: stored sealed, its SHA-256 on the room's
    log. When every party has signed, the agreed version is in force with its period."""
    role = access.role_of(user, proposal)
    if role is None:
        raise access.UnknownProposal()
    _require_open(proposal)
    party = (
        proposal.parties.filter(state=state).first()
        if role == access.PARTICIPANT
        else _party_for(user, proposal, state)
    )
    if party is None:
        raise _invalid("state", _("This state is not a party."))
    signatory = _text(signatory, "signatory", max_length=200, required=True)
    signed_on = _date(signed_on, "signed_on")
    if not scan:
        raise _invalid("scan", _("Upload the signed scan."))
    if len(scan) > SCAN_MAX:
        raise JitError("file_too_large", _("The scan is over 10 MB."), field="scan")
    if content_type not in SCAN_TYPES:
        raise JitError("unsupported_file_type", _("Upload a PDF, PNG or JPEG scan."), field="scan")
    with transaction.atomic():
        room, proposal = _lock(proposal)
        agreed = proposal.agreed_version
        if agreed is None or str(agreed.number) != str(version_number):
            raise JitError(
                "not_agreed",
                _("Only the version every party agreed to is signed."),
                field="version",
            )
        signature = Signature(
            party=party,
            version=agreed,
            signatory=signatory,
            signed_on=signed_on,
            sha256=hashlib.sha256(scan).hexdigest(),
            size=len(scan),
            content_type=content_type,
            key_epoch=room.key_epoch,
            uploaded_by=user,
        )
        signature.scan_ciphertext = jit_crypto.seal(
            proposal,
            epoch=room.key_epoch,
            record=f"jit-signature:{party.pk}:{agreed.pk}",
            field="scan",
            value=scan.hex(),
        )
        try:
            with transaction.atomic():
                signature.save(force_insert=True)
        except IntegrityError as exc:
            raise JitError("already_signed", _("This party already signed this version.")) from exc
        _log(
            room,
            proposal,
            actor=user,
            step="signed",
            state=party.state,
            version=agreed.number,
            sha256=signature.sha256,
            signed_on=signed_on.isoformat(),
        )
        if not proposal.parties.exclude(signatures__version=agreed).exists():
            proposal.status = Status.IN_FORCE
            proposal.in_force_version = agreed
            proposal.in_force_at = timezone.now()
            proposal.reminded_for_end = None
            proposal.save(
                update_fields=["status", "in_force_version", "in_force_at", "reminded_for_end"]
            )
            _log(
                room,
                proposal,
                actor=user,
                step="in_force",
                version=agreed.number,
                period_start=agreed.period_start.isoformat(),
                period_end=agreed.period_end.isoformat(),
            )
            notify(recipients=_everyone(proposal), kind=Notice.Kind.IN_FORCE, proposal=proposal)
        else:
            notify(
                recipients=_everyone(proposal),
                kind=Notice.Kind.SIGNED,
                proposal=proposal,
                exclude=user,
            )
    return signature


def download_scan(*, signature: Signature, user) -> tuple[bytes, str]:
    """A party's signed scan in clear, with a file name, for someone
    `access.get_signature_for_download` let through; the download is on the audit log."""
    scan = open_scan(signature)
    proposal = signature.party.proposal
    audit.record(
        "jit.scan_downloaded",
        actor=user,
        target=proposal,
        details={
            "proposal": str(proposal.pk),
            "signature": signature.pk,
            "state": signature.party.state,
            "version": signature.version.number,
            "sha256": signature.sha256,
        },
    )
    extension = SCAN_EXTENSIONS.get(signature.content_type, "bin")
    name = f"jit-signature-{signature.party.state}-v{signature.version.number}.{extension}"
    return scan, name


def open_scan(signature: Signature) -> bytes:
    value = jit_crypto.open_sealed(
        signature.party.proposal,
        signature.scan_ciphertext,
        epoch=signature.key_epoch,
        record=f"jit-signature:{signature.party_id}:{signature.version_id}",
        field="scan",
    )
    return bytes.fromhex(value)


# --- The end of the team -------------------------------------------------------------------


def close_proposal(*, proposal: Proposal, actor, note="") -> Proposal:
    _require_participant(actor, proposal)
    _require_open(proposal)
    note = _text(note, "note", max_length=NOTE_MAX)
    with transaction.atomic():
        room, proposal = _lock(proposal)
        proposal.status = Status.CLOSED
        proposal.closed_at = timezone.now()
        proposal.save(update_fields=["status", "closed_at"])
        _log(room, proposal, actor=actor, step="closed")
        notify(
            recipients=_everyone(proposal),
            kind=Notice.Kind.CLOSED,
            proposal=proposal,
            exclude=actor,
        )
    return proposal


EVALUATION_FIELDS = ("what_worked", "obstacles", "results")


def submit_evaluation(*, proposal: Proposal, author, what_worked, obstacles, results) -> Evaluation:
    _require_participant(author, proposal)
    texts = {
        "what_worked": _text(what_worked, "what_worked", max_length=SECTION_MAX, required=True),
        "obstacles": _text(obstacles, "obstacles", max_length=SECTION_MAX),
        "results": _text(results, "results", max_length=SECTION_MAX, required=True),
    }
    with transaction.atomic():
        room, proposal = _lock(proposal)
        if proposal.status != Status.CLOSED:
            raise JitError("wrong_status", _("The evaluation is written once the JIT is closed."))
        if Evaluation.objects.filter(proposal=proposal).exists():
            raise JitError("already_evaluated", _("This JIT already has its evaluation."))
        evaluation = Evaluation(proposal=proposal, author=author, key_epoch=room.key_epoch)
        evaluation.content_ciphertext = jit_crypto.seal(
            proposal, epoch=room.key_epoch, record="jit-evaluation", field="content", value=texts
        )
        evaluation.save(force_insert=True)
        _log(room, proposal, actor=author, step="evaluated")
    return evaluation


def open_evaluation(evaluation: Evaluation) -> dict:
    return jit_crypto.open_sealed(
        evaluation.proposal,
        evaluation.content_ciphertext,
        epoch=evaluation.key_epoch,
        record="jit-evaluation",
        field="content",
    )


def send_expiry_reminders(*, today: datetime.date | None = None, days: int = 30) -> int:
    """Tell everyone on a JIT in force whose period ends within `days` (once per end date)."""
    today = today or timezone.localdate()
    count = 0
    due = Proposal.objects.filter(
        status=Status.IN_FORCE,
        in_force_version__period_end__lte=today + datetime.timedelta(days=days),
    ).select_related("in_force_version", "room")
    for proposal in due:
        end = proposal.in_force_version.period_end
        if proposal.reminded_for_end == end:
            continue
        with transaction.atomic():
            proposal.reminded_for_end = end
            proposal.save(update_fields=["reminded_for_end"])
            notify(recipients=_everyone(proposal), kind=Notice.Kind.EXPIRING, proposal=proposal)
        count += 1
    return count


def mark_seen(*, proposal: Proposal, user) -> int:
    return Route.objects.filter(party__proposal=proposal, member=user, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )


# --- Translation of the filled-in texts ------------------------------------------------------


def request_translations(*, proposal: Proposal, requester, due_date, source_language) -> list:
    """In one action: the latest version's filled-in texts posted to the case room as a
    message (in a thread of their own), and a translation request of that message into each
    party's language other than the source."""
    from messaging import actions as room_actions
    from messaging import posting
    from messaging.translations.actions import request_translation

    _require_participant(requester, proposal)
    latest = proposal.latest_version()
    content = open_version(latest)
    targets = sorted(set(proposal.parties.values_list("language", flat=True)) - {source_language})
    if not targets:
        raise _invalid("source_language", _("Every party reads the draft in this language."))
    body = "\n\n".join(
        f"## {section_title(key)}\n{text}" for key, text in content.sections.items() if text
    )
    if not body:
        raise JitError("nothing_to_translate", _("No section is filled in yet."))
    with transaction.atomic():
        thread = room_actions.create_thread(
            room=proposal.room,
            creator=requester,
            title=f"{proposal.title} — v{latest.number}"[:200],
        )
        posted = posting.post_message(
            room=proposal.room,
            sender=requester,
            thread=thread.pk,
            client_id=str(uuid.uuid4()),
            body=body,
        )
        return [
            request_translation(
                requester=requester,
                message=posted.message,
                target_language=target,
                source_language=source_language,
                purpose="information",
                due_date=due_date,
            )
            for target in targets
        ]
