"""The case-record pages (docs/records.md, "Pages"): a case room's record page (exports,
closing, legal holds), an export's page (progress, approval, download) and a network's
retention report. Thin over messaging/records/workflow.py and closure.py: every form posts to
a view that calls one action; a refusal is shown on the form with the action's status."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import access
from messaging.models import Room
from messaging.records import closure, workflow
from messaging.records.errors import RecordError
from messaging.records.forms import CloseForm, ExportForm, HoldForm, RetentionForm
from messaging.records.models import LegalHold, active_holds
from messaging.views import _room_or_404 as _room_of_reader
from messaging.views import member_pages
from network import membership
from network.models import Network


def _form_error(form, error: RecordError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _record_url(room) -> str:
    return reverse("records:room", args=[room.pk])


def _render_room(request, room: Room, status=200, **forms):
    owner = access.is_owner(request.user, room) and room.kind == Room.Kind.CASE
    open_case = owner and room.closed_at is None
    context = {
        "room": room,
        "is_owner": owner,
        "exports": room.record_exports.select_related("requested_by", "approved_by")[:20],
        "holds": LegalHold.objects.filter(active_holds(), room=room).select_related("placed_by"),
        "export_form": forms.get("export_form")
        or (ExportForm(room=room, user=request.user) if owner else None),
        "close_form": forms.get("close_form") or (CloseForm() if open_case else None),
        "hold_form": forms.get("hold_form") or (HoldForm(user=request.user) if owner else None),
    }
    return render(request, "records/room.html", context, status=status)


@member_pages
@require_GET
def room_record(request, room_id):
    return _render_room(request, _room_or_404(request.user, room_id))


@member_pages
@require_POST
def request_export(request, room_id):
    room = _room_or_404(request.user, room_id)
    form = ExportForm(request.POST, room=room, user=request.user)
    status = 400
    if form.is_valid():
        try:
            export = workflow.request_export(
                room=room,
                requester=request.user,
                legal_basis=form.cleaned_data["legal_basis"],
                case_reference=form.cleaned_data["case_reference"],
                **form.selection(),
            )
        except RecordError as error:
            _form_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Export requested."))
            return redirect("records:export", export_id=export.pk)
    return _render_room(request, room, status=status, export_form=form)


@member_pages
@require_POST
def close(request, room_id):
    room = _room_or_404(request.user, room_id)
    form = CloseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            closure.close_room(room=room, owner=request.user, reason=form.cleaned_data["reason"])
        except RecordError as error:
            _form_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("The case is closed."))
            return redirect(_record_url(room))
    return _render_room(request, room, status=status, close_form=form)


def _room_or_404(user, room_id) -> Room:
    """The case room `room_id` if `user` reads it in full (a support or observer participant
    sees nothing of its case records); else 404."""
    room = _room_of_reader(user, room_id)
    if not access.reads_whole_room(user, room):
        raise Http404(_("No such room."))
    return room


def _hold_room(user, room_id) -> Room:
    try:
        return closure.get_room_for_hold(user, room_id)
    except access.UnknownRoom as exc:
        raise Http404(_("No such room.")) from exc


def _after_hold(user, room: Room) -> str:
    """Back to the room's record page for who reads the room, else to the retention report."""
    if access.can_read(user, room):
        return _record_url(room)
    return reverse("records:retention", args=[room.network.slug])


@member_pages
@require_POST
def place_hold(request, room_id):
    room = _hold_room(request.user, room_id)
    form = HoldForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        try:
            closure.place_hold(
                room_id=room.pk,
                user=request.user,
                reason=form.cleaned_data["reason"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except RecordError as error:
            _form_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Legal hold placed."))
            return redirect(_after_hold(request.user, room))
    if access.can_read(request.user, room):
        return _render_room(request, room, status=status, hold_form=form)
    return _render_retention(request, room.network, status=status, hold_forms={room.pk: form})


@member_pages
@require_POST
def lift_hold(request, hold_id):
    hold = LegalHold.objects.filter(pk=hold_id).select_related("room__network").first()
    if hold is None:
        raise Http404(_("No such hold."))
    room = _hold_room(request.user, hold.room_id)
    try:
        closure.lift_hold(hold_id=hold.pk, user=request.user)
    except RecordError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Legal hold lifted."))
    return redirect(_after_hold(request.user, room))


# --- An export ------------------------------------------------------------------------------


def _export_or_404(user, export_id):
    try:
        return workflow.get_export(user, export_id)
    except workflow.UnknownExport as exc:
        raise Http404(_("No such export.")) from exc


def _render_export(request, export, status=200, error=None):
    user = request.user
    context = {
        "export": export,
        "room": export.room,
        "error": error,
        "can_approve": export.status == export.Status.AWAITING_APPROVAL
        and export.requested_by_id != user.pk,
        "can_download": export.status == export.Status.DONE and export.requested_by_id == user.pk,
        "working": export.status in (export.Status.PENDING, export.Status.RUNNING),
    }
    return render(request, "records/export.html", context, status=status)


@member_pages
@require_GET
def export_page(request, export_id):
    return _render_export(request, _export_or_404(request.user, export_id))


@member_pages
@require_POST
def approve(request, export_id):
    export = _export_or_404(request.user, export_id)
    try:
        workflow.approve_export(export_id=export.pk, approver=request.user)
    except RecordError as error:
        return _render_export(request, export, status=error.http_status, error=error.message)
    messages.success(request, _("Export approved."))
    return redirect("records:export", export_id=export.pk)


@member_pages
@require_GET
def download(request, export_id):
    export = _export_or_404(request.user, export_id)
    try:
        data, name = workflow.download(export_id=export.pk, user=request.user)
    except workflow.UnknownExport as exc:
        raise Http404(_("No such export.")) from exc
    except RecordError as error:
        export.refresh_from_db()
        return _render_export(request, export, status=error.http_status, error=error.message)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- A network's retention report -------------------------------------------------------------


def _render_retention(request, network, status=200, form=None, hold_forms=None):
    hold_forms = hold_forms or {}
    lines = closure.retention_report(networks=[network])
    for line in lines:
        line["hold_form"] = hold_forms.get(line["room"].pk) or HoldForm(
            user=request.user, auto_id=f"id_{line['room'].pk}_%s"
        )
    context = {
        "network": network,
        "lines": lines,
        "form": form
        or RetentionForm(initial={"closed_room_days": closure.retention_days(network.pk)}),
    }
    return render(request, "records/retention.html", context, status=status)


@member_pages
@require_http_methods(["GET", "POST"])
def retention(request, slug):
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise Http404(_("No such network."))
    if not membership.is_coordinator(request.user, network):
        error = _("Only a coordinator of the network sees this.")
        return render(request, "messaging/refused.html", {"error": error}, status=403)
    if request.method == "GET":
        return _render_retention(request, network)
    form = RetentionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            closure.set_retention(
                network=network,
                coordinator=request.user,
                days=form.cleaned_data["closed_room_days"],
            )
        except RecordError as error:
            _form_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Retention period saved."))
            return redirect("records:retention", slug=network.slug)
    return _render_retention(request, network, status=status, form=form)
