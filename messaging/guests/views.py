"""Pages: a room's guests (owners propose and end), and the guests page (coordinators decide
and end; sponsors follow their proposals)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import access as room_access
from messaging.guests import access, actions
from messaging.guests.forms import ProposeGuestForm


def _room(request, room_id):
    try:
        return room_access.get_room_for_member(request.user, room_id)
    except room_access.UnknownRoom as exc:
        raise Http404(_("No such room.")) from exc


@login_required
@require_http_methods(["GET", "POST"])
def room_guests(request, room_id):
    room = _room(request, room_id)
    if not access.manages_guests(request.user, room):
        error = _("Only an owner of the room proposes and ends its guests.")
        return render(request, "messaging/refused.html", {"error": error, "room": room}, status=403)
    form = ProposeGuestForm(request.POST or None, room=room, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.propose(
                    room=room,
                    sponsor=request.user,
                    email=data["email"],
                    name=data["name"],
                    organisation=data["organisation"],
                    purpose=data["purpose"],
                    ends_on=data["ends_on"],
                    threads=list(data["threads"]),
                )
            except actions.GuestError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.http_status
            else:
                messages.success(
                    request, _("The guest is proposed; a coordinator of the network decides.")
                )
                return redirect("guests:room_guests", room_id=room.pk)
    context = {
        "room": room,
        "form": form,
        "guests": access.guests_of_room(request.user, room),
        "allowed": room.kind == room.Kind.CASE and room.network and room.network.guests_allowed,
    }
    return render(request, "guests/room_guests.html", context, status=status)


@login_required
@require_GET
def guest_list(request):
    rows = [
        (guest, access.may_decide(request, guest)) for guest in access.visible_guests(request)[:200]
    ]
    return render(request, "guests/guest_list.html", {"rows": rows})


def _back(request, guest):
    target = request.POST.get("next", "")
    if target == "room":
        return redirect("guests:room_guests", room_id=guest.room_id)
    return redirect("guests:list")


@login_required
@require_POST
def decision(request, guest_id):
    try:
        guest = access.get_guest_to_decide(request, guest_id)
    except access.UnknownGuest as exc:
        raise Http404(exc.message) from exc
    choice = request.POST.get("decision")
    if choice not in ("approve", "refuse"):
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect("guests:list")
    try:
        actions.decide(
            guest=guest,
            coordinator=request.user,
            approve=choice == "approve",
            reason=request.POST.get("reason", ""),
        )
    except actions.GuestError as error:
        messages.error(request, error.message)
        return redirect("guests:list")
    if choice == "approve":
        messages.success(request, _("Approved: the guest is invited."))
    else:
        messages.success(request, _("Refused."))
    return redirect("guests:list")


@login_required
@require_POST
def end(request, guest_id):
    try:
        guest = access.get_guest_to_end(request, guest_id)
    except access.UnknownGuest as exc:
        raise Http404(exc.message) from exc
    try:
        actions.end(guest=guest, actor=request.user, reason=request.POST.get("reason", ""))
    except actions.GuestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The guest's stay has ended."))
    return _back(request, guest)
