"""The room pages. Server-rendered first: every form posts to a view that calls one action;
messaging/static/messaging/room.js then makes the room page live over the WebSocket.

Rooms are reached only through messaging.access: a room the member may not read is a 404,
like a room that does not exist.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import access, actions, crypto, labels, pages
from messaging.errors import MessagingError
from messaging.forms import (
    EditForm,
    InviteForm,
    MessageForm,
    NewRoomForm,
    RemoveForm,
    RoomSettingsForm,
    TagSearchForm,
    ThreadForm,
    add_action_error,
)
from messaging.models import Room, RoomParticipant
from messaging.records import notices as record_notices
from messaging.records.models import awaiting_approval
from messaging.translations.display import translations_for_messages
from network import membership


def member_pages(view):
    """Signed in, an active member of some network or a current room guest, who reaches only
    their rooms (the strict CSP is the site's, as on every page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.may_use_rooms(request.user):
            return render(request, "messaging/refused.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def network_member_pages(view):
    """Signed in, an active member of some network: what a room guest may not do (open a
    room)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not membership.is_active_anywhere(request.user):
            return render(request, "messaging/refused.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _room_or_404(user, room_id) -> Room:
    try:
        return access.get_room_for_member(user, room_id)
    except access.UnknownRoom as exc:
        raise Http404(_("No such room.")) from exc


def _room_url(room: Room, thread=None, seq: int | None = None) -> str:
    url = reverse("messaging:room", args=[room.pk])
    if thread is not None:
        url += f"?thread={getattr(thread, 'pk', thread)}"
    if seq:
        url += f"#m{seq}"
    return url


# --- Room list, new room, tags -----------------------------------------------------------


@member_pages
@require_GET
def room_list(request):
    context = {
        "rooms": pages.room_list(request.user),
        "case_notices": record_notices.unread_for(request.user),
    }
    return render(request, "messaging/room_list.html", context)


@network_member_pages
@require_http_methods(["GET", "POST"])
def new_room(request):
    if request.method == "POST" and "contact_point" in request.GET:
        return _message_contact_point(request)
    if request.method == "POST":
        return _create_room(request)
    form = NewRoomForm(user=request.user, initial={"kind": Room.Kind.CASE})
    context = {"form": form}
    if "contact_point" in request.GET:
        invitation = _contact_point_invitation(request, form)
        context["invitation"] = invitation
        if invitation["status"] != 200:
            return render(request, "messaging/new_room.html", context, status=invitation["status"])
    return render(request, "messaging/new_room.html", context)


def _create_room(request):
    form = NewRoomForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            room = actions.create_room(
                kind=data["kind"],
                creator=request.user,
                title=data["title"],
                network=data["network"],
                participants=list(data["participants"]),
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            return redirect(_room_url(room))
    return render(request, "messaging/new_room.html", {"form": form}, status=400)


def _message_contact_point(request):
    """The "Message" action of a directory entry: the message box with its linked member, i.e. the
    direct room between the two (reused, or opened now), the cursor in its composer (the
    fragment #id_body: the browser focuses the message field). When the member
    cannot be reached, back to the new-room page, which says why."""
    form = NewRoomForm(user=request.user, initial={"kind": Room.Kind.CASE})
    invitation = _contact_point_invitation(request, form)
    member = invitation.get("member")
    if member is None:
        return redirect(request.get_full_path())
    try:
        room, thread = actions.open_direct_room(
            creator=request.user, other=member, thread_title=_("Conversation")
        )
    except MessagingError as error:
        invitation = {**invitation, "status": 403, "error": error.message, "member": None}
        context = {"form": form, "invitation": invitation}
        return render(request, "messaging/new_room.html", context, status=403)
    return redirect(_room_url(room, thread) + "#id_body")


def _contact_point_invitation(request, form: NewRoomForm) -> dict:
    """Pre-invite the member account linked to a directory contact point, or say why not."""
    from directory.visibility import get_contact_point, viewer_for

    raw = request.GET.get("contact_point", "")
    if not raw.isdigit():
        return {"status": 400, "error": _("contact_point must be the number of a directory entry.")}
    contact_point = get_contact_point(int(raw))
    if not viewer_for(request.user).sees_details(contact_point):
        return {
            "status": 403,
            "error": _(
                "This entry's person-level details, its member account included, are shown "
                "only to active members of the networks it serves."
            ),
        }
    invitation = {"status": 200, "contact_point": contact_point}
    member = contact_point.member
    if member is None:
        invitation["error"] = _(
            "This contact point has no member account linked, so it cannot be invited to a "
            "room. Reach it through the channels on its directory card."
        )
    elif member.pk == request.user.pk:
        invitation["error"] = _("This contact point is linked to your own account.")
    elif not form.fields["participants"].queryset.filter(pk=member.pk).exists():
        invitation["error"] = _(
            "The member linked to this contact point is not an active member of a network "
            "you belong to, so you cannot invite them."
        )
    else:
        form.initial["participants"] = [member.pk]
        invitation["member"] = member
    return invitation


@member_pages
@require_GET
def tag_search(request):
    if "q" not in request.GET:
        return render(request, "messaging/tags.html", {"form": TagSearchForm()})
    form = TagSearchForm(request.GET)
    if not form.is_valid():
        return render(request, "messaging/tags.html", {"form": form}, status=400)
    threads = pages.threads_with_tag(request.user, form.cleaned_data["q"])
    return render(
        request, "messaging/tags.html", {"form": form, "threads": threads, "searched": True}
    )


# --- The room page -----------------------------------------------------------------------


def _render_room(request, room: Room, *, thread=None, status=200, read_to=None, **forms):
    threads = pages.threads_of(room, request.user)
    if thread is None and threads:
        thread = threads[-1]
    shown, earlier = [], False
    if thread is not None:
        before = request.GET.get("before", "")
        shown, earlier = pages.thread_messages(
            thread, request.user, before=int(before) if before.isdigit() else None
        )
    is_owner = access.is_owner(request.user, room)
    context = {
        "room": room,
        "threads": threads,
        "thread": thread,
        "shown_messages": shown,
        "translations": translations_for_messages(shown, request.user),
        "earlier": earlier,
        "first_unread_seq": (
            None
            if read_to is None
            else pages.first_unread_seq(shown, user=request.user, read_to=read_to)
        ),
        "participants": pages.current_participants(room) if room.has_participants else [],
        "is_owner": is_owner,
        "record_link": _record_link(request.user, room, is_owner),
        "thread_form": forms.get("thread_form") or ThreadForm(room=room, user=request.user),
        "message_form": forms.get("message_form")
        or MessageForm(room=room, thread=thread, initial=_composer_initial(request, thread)),
        "settings_form": forms.get("settings_form")
        or (
            RoomSettingsForm(initial={"default_handling": room.default_handling})
            if is_owner
            else None
        ),
        "legend": labels.legend(),
        "invite_form": forms.get("invite_form")
        or (InviteForm(room=room, owner=request.user) if is_owner else None),
        "share_candidates": pages.limited_readers_of(thread) if thread is not None else [],
    }
    return render(request, "messaging/room.html", context, status=status)


def _record_link(user, room: Room, is_owner: bool) -> bool:
    """The "Case record" entry: for a case room's owners, and for the other participants
    while an export awaits their approval."""
    if room.kind != Room.Kind.CASE:
        return False
    return is_owner or awaiting_approval(room, user)


def _composer_initial(request, thread) -> dict:
    reply_to = request.GET.get("reply_to", "")
    return {
        "thread": thread.pk if thread else None,
        "reply_to": int(reply_to) if reply_to.isdigit() else None,
    }


@member_pages
@require_GET
def room(request, room_id):
    room = _room_or_404(request.user, room_id)
    thread = None
    if "thread" in request.GET:
        thread = pages.get_thread(room, request.GET["thread"], request.user)
        if thread is None:
            raise Http404(_("No such thread in this room."))
    read_to = None
    if room.head_seq and "before" not in request.GET:
        read_to = pages.read_to(room, request.user)
        actions.mark_read(room=room, user=request.user, seq=room.head_seq)
    return _render_room(request, room, thread=thread, read_to=read_to)


@member_pages
@require_POST
def create_thread(request, room_id):
    room = _room_or_404(request.user, room_id)
    form = ThreadForm(request.POST, room=room, user=request.user)
    if form.is_valid():
        try:
            thread = actions.create_thread(
                room=room,
                creator=request.user,
                title=form.cleaned_data["title"],
                tags=form.cleaned_data["tags"],
                restricted=form.cleaned_data.get("restricted", False),
                victim_sensitive=form.cleaned_data.get("victim_sensitive", False),
                readers=form.cleaned_data.get("readers") or [],
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            return redirect(_room_url(room, thread))
    return _render_room(request, room, thread_form=form, status=400)


@member_pages
@require_POST
def post_message(request, room_id):
    room = _room_or_404(request.user, room_id)
    form = MessageForm(request.POST, request.FILES, room=room)
    thread = pages.get_thread(room, request.POST.get("thread", ""), request.user)
    if form.is_valid() and thread is None:
        form.add_error(None, _("No such thread in this room."))
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = pages.post_with_attachment(
                room=room,
                sender=request.user,
                thread=thread,
                client_id=data["client_id"],
                body=data["body"],
                handling_code=data["handling"],
                handling_note=data["handling_note"],
                evaluation=data["evaluation"],
                reply_to=data["reply_to"],
                attachment=data["attachment"],
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            return redirect(_room_url(room, thread, result.message.seq))
    return _render_room(request, room, thread=thread, message_form=form, status=400)


@member_pages
@require_POST
def room_settings(request, room_id):
    room = _room_or_404(request.user, room_id)
    form = RoomSettingsForm(request.POST)
    if form.is_valid():
        try:
            actions.set_default_handling(
                room=room, owner=request.user, code=form.cleaned_data["default_handling"]
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            messages.success(request, _("The room's default handling code is saved."))
            return redirect(_room_url(room))
    status = 403 if form.errors.as_data().get("__all__") else 400
    return _render_room(request, room, settings_form=form, status=status)


@member_pages
@require_GET
def message_fragments(request, room_id):
    """The messages named by `?id=` as the room page shows them: the one rendering of a
    message, fetched by the live page for each message a frame announces."""
    room = _room_or_404(request.user, room_id)
    shown = pages.messages_by_id(room, request.GET.getlist("id"), request.user)
    context = {
        "room": room,
        "shown_messages": shown,
        "translations": translations_for_messages(shown, request.user),
    }
    return render(request, "messaging/_messages.html", context)


@member_pages
@require_GET
def legend(request):
    return render(request, "messaging/legend.html", {"legend": labels.legend()})


def _own_message_or_404(request, room_id, message_id):
    room = _room_or_404(request.user, room_id)
    message = pages.get_message(room, message_id, request.user)
    if message is None:
        raise Http404(_("No such message in this room."))
    return room, message


@member_pages
@require_http_methods(["GET", "POST"])
def edit_message(request, room_id, message_id):
    room, message = _own_message_or_404(request, room_id, message_id)
    context = {"room": room, "message": message}
    if message.sender_id != request.user.pk or message.deleted_at is not None:
        context["error"] = _("Only the sender changes a message, and a deleted one not at all.")
        return render(request, "messaging/edit_message.html", context, status=403)
    if request.method == "GET":
        context["form"] = EditForm(initial={"body": crypto.open_body(message)})
        return render(request, "messaging/edit_message.html", context)
    form = EditForm(request.POST)
    if form.is_valid():
        try:
            actions.edit_message(
                message=message, editor=request.user, body=form.cleaned_data["body"]
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            return redirect(_room_url(room, message.thread_id, message.seq))
    context["form"] = form
    return render(request, "messaging/edit_message.html", context, status=400)


@member_pages
@require_POST
def delete_message(request, room_id, message_id):
    room, message = _own_message_or_404(request, room_id, message_id)
    try:
        actions.delete_message(message=message, actor=request.user)
    except MessagingError as error:
        return render(
            request, "messaging/refused.html", {"room": room, "error": error.message}, status=403
        )
    return redirect(_room_url(room, message.thread_id, message.seq))


@member_pages
@require_GET
def message_history(request, room_id, message_id):
    room, message = _own_message_or_404(request, room_id, message_id)
    context = {"room": room, "message": message, "versions": pages.message_history(message)}
    return render(request, "messaging/history.html", context)


@login_required
@require_GET
def download_attachment(request, room_id, attachment_id):
    """Always a download, never rendered: a generic type, `attachment` disposition and a
    sandbox policy in case a browser still tries."""
    room = _room_or_404(request.user, room_id)
    attachment = pages.get_attachment(room, attachment_id, request.user)
    if attachment is None:
        raise Http404(_("No such attachment in this room."))
    response = HttpResponse(
        crypto.open_attachment(attachment), content_type="application/octet-stream"
    )
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=crypto.open_attachment_name(attachment)
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Participants ------------------------------------------------------------------------


@member_pages
@require_POST
def invite(request, room_id):
    room = _room_or_404(request.user, room_id)
    if not access.is_owner(request.user, room):
        return render(
            request,
            "messaging/refused.html",
            {"room": room, "error": _("Only an owner of the room invites members.")},
            status=403,
        )
    form = InviteForm(request.POST, room=room, owner=request.user)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            actions.add_participant(
                room=room,
                user=user,
                added_by=request.user,
                capacity=form.cleaned_data["capacity"],
            )
        except MessagingError as error:
            add_action_error(form, error)
        else:
            messages.success(request, _("%(name)s was invited.") % {"name": user.display_name})
            return redirect(_room_url(room))
    return _render_room(request, room, invite_form=form, status=400)


@member_pages
@require_POST
def remove(request, room_id, user_id):
    room = _room_or_404(request.user, room_id)
    participation = (
        RoomParticipant.objects.current().filter(room=room, user_id=user_id).select_related("user")
    ).first()
    if participation is None:
        raise Http404(_("No such participant in this room."))
    form = RemoveForm(request.POST)
    error = None if form.is_valid() else _("The reason is at most 500 characters.")
    if error is None:
        try:
            actions.remove_participant(
                room=room,
                user=participation.user,
                removed_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except MessagingError as refused:
            error = refused.message
    if error is not None:
        status = 400 if not form.is_valid() else 403
        return render(
            request, "messaging/refused.html", {"room": room, "error": error}, status=status
        )
    if participation.user == request.user:
        messages.success(request, _("You left the room."))
        return redirect(reverse("messaging:room_list"))
    messages.success(
        request, _("%(name)s was removed.") % {"name": participation.user.display_name}
    )
    return redirect(_room_url(room))
