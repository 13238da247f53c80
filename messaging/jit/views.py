"""Pages: the proposals one sees, starting one from a case room, a proposal with its status
board, a new version, the diff of a version, the document in a party's language, a party's
signed scan, and one POST endpoint per step (comment, consent, sign, extend, close, evaluate,
translate, route)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import access as room_access
from messaging.jit import access, actions, board
from messaging.jit.models import Consent, Proposal, SectionComment
from messaging.jit.sections import LEGAL_BASES, RENDER_LANGUAGES, SECTIONS, TEAM_TYPES
from network.errors import DomainError


def _states(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").upper().split() if part]


def _sections_from(form) -> dict:
    return {key: form.get(f"section_{key}", "") for key, _title in SECTIONS}


def _form_context(form, **extra) -> dict:
    return {
        "form": form,
        "sections": [(key, title, form.get(f"section_{key}", "")) for key, title in SECTIONS],
        "team_types": TEAM_TYPES,
        "legal_bases": LEGAL_BASES,
        **extra,
    }


@login_required
@require_GET
def proposal_list(request):
    proposals = access.visible_proposals(request.user).select_related("room")
    return render(request, "jit/list.html", {"proposals": proposals})


@login_required
@require_http_methods(["GET", "POST"])
def new_proposal(request, room_id):
    room = room_access.get_room_for_member(request.user, room_id)
    if not room_access.reads_whole_room(request.user, room):
        raise room_access.UnknownRoom(room.pk)
    form, error, status = request.POST, None, 200
    if request.method == "POST":
        states = _states(form.get("states", ""))
        try:
            proposal = actions.start_proposal(
                room=room,
                proposer=request.user,
                title=form.get("title"),
                states=states,
                period_start=form.get("period_start"),
                period_end=form.get("period_end"),
                team_type=form.get("team_type"),
                sections=_sections_from(form),
            )
        except DomainError as exc:
            error, status = exc, exc.http_status
        else:
            messages.success(request, _("JIT proposal started and routed."))
            return redirect(proposal)
    context = _form_context(form, room=room, error=error)
    return render(request, "jit/new.html", context, status=status)


def _detail(request, proposal, role, *, error=None, status=200):
    latest = proposal.latest_version()
    content = actions.open_version(latest)
    comments = SectionComment.objects.filter(proposal=proposal).select_related("author", "version")
    by_section: dict[str, list] = {}
    for row in comments:
        by_section.setdefault(row.section, []).append((row, actions.open_comment(row)))
    evaluation = getattr(proposal, "evaluation", None) if proposal.status == "closed" else None
    context = {
        "proposal": proposal,
        "role": role,
        "latest": latest,
        "content": content,
        "sections": [
            (key, title, content.sections.get(key, ""), by_section.get(key, []))
            for key, title in SECTIONS
        ],
        "team_type": dict(TEAM_TYPES).get(latest.team_type, latest.team_type),
        "board": board.status_board(proposal),
        "versions": proposal.versions.select_related("author").order_by("-number"),
        "my_parties": access.routed_parties(request.user, proposal),
        "decisions": Consent.Decision.choices,
        "languages": RENDER_LANGUAGES,
        "evaluation": actions.open_evaluation(evaluation) if evaluation else None,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "jit/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, proposal_id):
    proposal, role = access.get_proposal_for_viewer(request.user, proposal_id)
    actions.mark_seen(proposal=proposal, user=request.user)
    return _detail(request, proposal, role)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, proposal_id):
    proposal, role = access.get_proposal_for_viewer(request.user, proposal_id)
    if role != access.PARTICIPANT:
        raise DomainError(
            "not_allowed", _("Only the case room's participants change the proposal.")
        )
    latest = proposal.latest_version()
    error, status = None, 200
    if request.method == "POST":
        form = request.POST
        try:
            actions.revise_proposal(
                proposal=proposal,
                author=request.user,
                note=form.get("note", ""),
                sections=_sections_from(form),
                period_start=form.get("period_start") or None,
                period_end=form.get("period_end") or None,
                team_type=form.get("team_type") or None,
                legal_basis={
                    party.state: form.get(f"legal_basis_{party.state}")
                    for party in proposal.parties.all()
                    if form.get(f"legal_basis_{party.state}")
                },
            )
        except DomainError as exc:
            error, status = exc, exc.http_status
        else:
            messages.success(request, _("New version saved; every party answers it again."))
            return redirect(proposal)
    else:
        content = actions.open_version(latest)
        form = {f"section_{key}": text for key, text in content.sections.items()}
        form.update(
            period_start=latest.period_start.isoformat(),
            period_end=latest.period_end.isoformat(),
            team_type=latest.team_type,
            **{f"legal_basis_{state}": code for state, code in content.legal_basis.items()},
        )
    parties = [(p.state, form.get(f"legal_basis_{p.state}", "")) for p in proposal.parties.all()]
    context = _form_context(form, proposal=proposal, latest=latest, error=error, parties=parties)
    return render(request, "jit/edit.html", context, status=status)


@login_required
@require_GET
def diff(request, proposal_id, number):
    proposal, _role = access.get_proposal_for_viewer(request.user, proposal_id)
    new = proposal.versions.filter(number=number).first()
    old = proposal.versions.filter(number=number - 1).first()
    if new is None or old is None:
        raise DomainError("not_found", _("No earlier version to compare with."))
    context = {
        "proposal": proposal,
        "old": old,
        "new": new,
        "note": actions.open_version(new).note,
        "diffs": actions.diff_versions(old, new),
    }
    return render(request, "jit/diff.html", context)


@login_required
@require_GET
def document(request, proposal_id, language):
    proposal, _role = access.get_proposal_for_viewer(request.user, proposal_id)
    if language not in RENDER_LANGUAGES:
        raise DomainError("not_found", _("No such language."))
    number = request.GET.get("version")
    version = (
        proposal.versions.filter(number=number).first() if number and number.isdigit() else None
    ) or proposal.latest_version()
    return HttpResponse(board.render_document(proposal, version, language))


def signature_scan_response(user, proposal_id, signature_id) -> HttpResponse:
    """A party's signed scan as a download (never rendered, never cached), for the pages
    and the API alike."""
    signature = access.get_signature_for_download(user, proposal_id, signature_id)
    scan, name = actions.download_scan(signature=signature, user=user)
    response = HttpResponse(scan, content_type=signature.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def signature_scan(request, proposal_id, signature_id):
    return signature_scan_response(request.user, proposal_id, signature_id)


def _step_comment(request, proposal):
    form = request.POST
    actions.comment(
        proposal=proposal, author=request.user, section=form.get("section"), body=form.get("body")
    )
    return _("Comment added.")


def _step_consent(request, proposal):
    form = request.POST
    actions.record_consent(
        proposal=proposal,
        user=request.user,
        state=form.get("state"),
        version_number=form.get("version"),
        decision=form.get("decision"),
        note=form.get("note", ""),
    )
    return _("Answer recorded.")


def _step_sign(request, proposal):
    form = request.POST
    upload = request.FILES.get("scan")
    actions.sign(
        proposal=proposal,
        user=request.user,
        state=form.get("state"),
        version_number=form.get("version"),
        signatory=form.get("signatory"),
        signed_on=form.get("signed_on"),
        scan=upload.read() if upload else b"",
        content_type=upload.content_type if upload else "",
    )
    return _("Signature recorded.")


def _step_extend(request, proposal):
    actions.propose_extension(
        proposal=proposal,
        author=request.user,
        period_end=request.POST.get("period_end"),
        note=request.POST.get("note", ""),
    )
    return _("Extension proposed; every party answers it.")


def _step_close(request, proposal):
    actions.close_proposal(proposal=proposal, actor=request.user, note=request.POST.get("note"))
    return _("The JIT is closed.")


def _step_evaluate(request, proposal):
    form = request.POST
    actions.submit_evaluation(
        proposal=proposal,
        author=request.user,
        what_worked=form.get("what_worked"),
        obstacles=form.get("obstacles"),
        results=form.get("results"),
    )
    return _("Evaluation recorded.")


def _step_translate(request, proposal):
    requests = actions.request_translations(
        proposal=proposal,
        requester=request.user,
        due_date=request.POST.get("due_date"),
        source_language=request.POST.get("source_language"),
    )
    return _("Translation requested into %(count)s languages.") % {"count": len(requests)}


def _step_route(request, proposal):
    routes = actions.route_again(
        proposal=proposal, actor=request.user, state=request.POST.get("state")
    )
    return _("Routed again: %(count)s new contact points.") % {"count": len(routes)}


STEPS = {
    "comment": _step_comment,
    "consent": _step_consent,
    "sign": _step_sign,
    "extend": _step_extend,
    "close": _step_close,
    "evaluate": _step_evaluate,
    "translate": _step_translate,
    "route": _step_route,
}


@login_required
@require_POST
def step(request, proposal_id, step):
    proposal, role = access.get_proposal_for_viewer(request.user, proposal_id)
    if step not in STEPS:
        raise DomainError("unknown_action", _("No such step."))
    try:
        done = STEPS[step](request, proposal)
    except DomainError as exc:
        proposal.refresh_from_db()
        return _detail(request, proposal, role, error=exc, status=exc.http_status)
    messages.success(request, done)
    return redirect(proposal)


def proposals_of_room(user, room) -> list[Proposal]:
    """The proposals of a room, for its page's link list."""
    return list(access.visible_proposals(user).filter(room=room))
