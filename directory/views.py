from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory import actions
from directory.competences import Competence
from directory.csv_format import COLUMNS, decode_upload
from directory.exports import export_csv, vcard
from directory.forms import CorrectionForm, ImportForm, ReportForm
from directory.models import Authority, ContactPoint, WrongEntryReport
from directory.presenting import present_contact_point
from directory.search import direct_answer, parse_search_params, search_contact_points
from directory.visibility import (
    get_authority,
    get_contact_point,
    get_contact_point_for_maintenance,
    get_contact_point_with_details,
    may_maintain,
    members_only,
    viewer_for,
)
from network.accounts.models import User
from network.audit.log import record
from network.iso import language_choices, state_choices
from network.models import Network
from network.vetting.access import coordinated_networks, get_network_for_coordinator

PAGE_SIZE = 25


def _filter_choices() -> dict:
    return {
        "states": state_choices(),
        "competences": Competence.choices,
        "languages": language_choices(),
        "networks": Network.objects.all(),
        "authority_types": Authority.Kind.choices,
    }


def _present_answer(answer, viewer) -> dict:
    return {
        "answer": answer,
        "verified": [present_contact_point(cp, viewer) for cp in answer.verified],
        "stale": [present_contact_point(cp, viewer) for cp in answer.stale],
        "alternatives": [
            (
                alt.label,
                alt.competence,
                [present_contact_point(cp, viewer) for cp in alt.contact_points],
            )
            for alt in answer.alternatives
        ],
    }


@login_required
@require_GET
@members_only
def search(request):
    context = {
        "filters": request.GET,
        "coordinated": coordinated_networks(request),
        **_filter_choices(),
    }
    try:
        params = parse_search_params(request.GET)
    except ValidationError as exc:
        context["errors"] = exc.message_dict
        return render(request, "directory/search.html", context, status=400)
    viewer = viewer_for(request.user)
    page = Paginator(search_contact_points(params, viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context.update(
        params=params,
        page=page,
        entries=[present_contact_point(cp, viewer) for cp in page.object_list],
        viewer=viewer,
        query_string=params.as_query(),
        similar_spellings=bool(page.object_list) and getattr(page.object_list[0], "fuzzy", False),
    )
    if params.state and params.competence:
        context["direct"] = _present_answer(
            direct_answer(competence=params.competence, state=params.state), viewer
        )
        context["entries"] = _not_in_answer(context["entries"], context["direct"])
    return render(request, "directory/search.html", context)


def _not_in_answer(entries: list[dict], direct: dict) -> list[dict]:
    """The results below a direct answer, without the entries the answer already shows."""
    shown = {entry["id"] for entry in direct["verified"]}
    if not direct["answer"].answered:
        shown.update(entry["id"] for entry in direct["stale"])
        for _label, _code, alternatives in direct["alternatives"]:
            shown.update(entry["id"] for entry in alternatives)
    return [entry for entry in entries if entry["id"] not in shown]


def _csv_response(request, params) -> HttpResponse:
    viewer = viewer_for(request.user)
    body = export_csv(search_contact_points(params, viewer=viewer), viewer)
    record("directory.exported", actor=request.user, details={"filters": params.as_query()})
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="directory.csv"'
    return response


@login_required
@require_GET
@members_only
def export(request):
    try:
        params = parse_search_params(request.GET)
    except ValidationError as exc:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
            status=400,
            content_type="text/plain",
        )
    return _csv_response(request, params)


@login_required
@require_GET
@members_only
def contact_point(request, pk: int):
    entry_row = get_contact_point(pk)
    viewer = viewer_for(request.user)
    entry = present_contact_point(entry_row, viewer)
    context = {
        "entry": entry,
        "contact_point": entry_row,
        "viewer": viewer,
        "may_maintain": may_maintain(request.user, entry_row, request=request),
    }
    if entry["details_visible"]:
        context["history"] = entry_row.changes.select_related("actor")[:20]
        context["open_reports"] = entry_row.reports.filter(resolved_at__isnull=True).count()
    return render(request, "directory/contact_point.html", context)


def vcard_response(request, pk: int) -> HttpResponse:
    viewer = viewer_for(request.user)
    entry = get_contact_point_with_details(viewer, pk)
    record("directory.vcard_exported", actor=request.user, target=entry)
    response = HttpResponse(vcard(entry, viewer), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contact-point-{pk}.vcf"'
    return response


@login_required
@require_GET
@members_only
def contact_point_vcard(request, pk: int):
    return vcard_response(request, pk)


@login_required
@members_only
def confirm(request, pk: int):
    entry = get_contact_point_for_maintenance(request, pk)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        actions.confirm_contact_point(contact_point=entry, actor=request.user)
        messages.success(request, _("Entry confirmed."))
        return redirect(entry)
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        initial=CorrectionForm.initial_for(entry),
    )
    status = 200
    if form.is_bound and form.is_valid():
        fields, competences, languages = form.correction()
        try:
            actions.correct_contact_point(
                contact_point=entry,
                actor=request.user,
                fields=fields,
                competences=competences,
                languages=languages,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Entry corrected and confirmed."))
            return redirect(entry)
    if form.is_bound:
        status = 400
    return render(
        request, "directory/confirm.html", {"form": form, "contact_point": entry}, status=status
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@members_only
def report(request, pk: int):
    entry = get_contact_point(pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            actions.report_wrong_entry(
                contact_point=entry, reporter=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you: the coordinators have been told."))
            return redirect(entry)
    elif not viewer_for(request.user).is_member:
        raise PermissionDenied("Only active members may report a directory entry.")
    status = 400 if form.is_bound else 200
    return render(
        request, "directory/report.html", {"form": form, "contact_point": entry}, status=status
    )


@login_required
@require_GET
@members_only
def authority(request, pk: int):
    institution = get_authority(pk)
    viewer = viewer_for(request.user)
    members = (
        ContactPoint.objects.with_freshness()
        .filter(authority=institution)
        .select_related("authority", "authority__parent", "member", "verified_by")
        .prefetch_related("competences", "languages", "networks")
    )
    return render(
        request,
        "directory/authority.html",
        {
            "authority": institution,
            "show_address": viewer.sees_authority_address(institution),
            "children": institution.children.all(),
            "entries": [present_contact_point(cp, viewer) for cp in members],
        },
    )


@login_required
@require_GET
@members_only
def stale_entries(request, slug: str):
    network = get_network_for_coordinator(request, slug)
    viewer = viewer_for(request.user)
    stale = (
        ContactPoint.objects.with_freshness()
        .serving(network)
        .stale()
        .select_related("authority", "authority__parent", "member", "verified_by")
        .prefetch_related("competences", "languages", "networks")
        .order_by("state", "verified_at")
    )
    reports = (
        WrongEntryReport.objects.filter(contact_point__networks=network, resolved_at__isnull=True)
        .select_related("contact_point", "reporter")
        .distinct()
    )
    return render(
        request,
        "directory/stale.html",
        {
            "network": network,
            "entries": [(cp, present_contact_point(cp, viewer)) for cp in stale],
            "reports": reports,
            "correspondents": network.directory_correspondents.select_related("member"),
            "states": sorted(network.member_states),
        },
    )


@login_required
@require_POST
@members_only
def request_reconfirmation(request, slug: str, pk: int):
    network = get_network_for_coordinator(request, slug)
    entry = get_contact_point(pk)
    try:
        recipients = actions.request_reconfirmation(
            contact_point=entry, network=network, coordinator=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Asked %(recipients)s to re-confirm %(name)s.")
            % {"recipients": ", ".join(recipients), "name": entry.name},
        )
    return redirect("directory:stale", slug=network.slug)


@login_required
@require_POST
@members_only
def appoint_correspondent(request, slug: str):
    network = get_network_for_coordinator(request, slug)
    member = User.objects.filter(email__iexact=request.POST.get("email", "").strip()).first()
    try:
        if member is None:
            raise ValidationError(_("There is no account with that email."))
        actions.appoint_correspondent(
            network=network,
            state=request.POST.get("state", "").strip().upper(),
            member=member,
            coordinator=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Correspondent appointed."))
    return redirect("directory:stale", slug=network.slug)


@login_required
@require_POST
@members_only
def resolve_report(request, slug: str, report_id: int):
    network = get_network_for_coordinator(request, slug)
    entry_report = get_object_or_404(
        WrongEntryReport, pk=report_id, contact_point__networks=network
    )
    try:
        actions.resolve_report(
            report=entry_report,
            coordinator=request.user,
            resolution=request.POST.get("resolution", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report resolved."))
    return redirect("directory:stale", slug=network.slug)


@login_required
@members_only
def import_upload(request):
    coordinated = coordinated_networks(request)
    if not coordinated:
        raise PermissionDenied("Only coordinators may import directory entries.")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        try:
            text = decode_upload(form.cleaned_data["file"].read())
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            result = actions.import_directory(
                text=text,
                actor=request.user,
                coordinated=coordinated,
                only_valid=form.cleaned_data["only_valid"],
            )
            context["result"] = result
            status = 400 if result.errors and not result.imported else 200
            return render(request, "directory/import.html", context, status=status)
    status = 400 if form.is_bound else 200
    return render(request, "directory/import.html", context, status=status)
