"""Pages: the board, the request form, a request (editor for its translator), notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from messaging import access as room_access
from messaging import crypto as room_crypto
from messaging.translations import access, actions, display, notifications
from messaging.translations.access import Role, UnknownRequest
from messaging.translations.api import TRANSITIONS
from messaging.translations.models import Notification, TranslationRequest
from network.iso import language_choices


@login_required
def board(request):
    user = request.user
    context = {
        "my_requests": TranslationRequest.objects.filter(requester=user).select_related(
            "translator"
        ),
        "queue": access.queue_for(user),
        "claimed": TranslationRequest.objects.filter(
            translator=user, status__in=TranslationRequest.TRANSLATOR_READS
        ),
        "unread": Notification.objects.filter(recipient=user).unread().count(),
        "today": timezone.localdate(),
    }
    return render(request, "translations/board.html", context)


def _original_for_form(request):
    message_id = request.GET.get("message") or request.POST.get("message")
    attachment_id = request.GET.get("attachment") or request.POST.get("attachment")
    if message_id:
        message = access.readable_message(request.user, message_id)
        if message is None:
            raise Http404("no such message")
        return message, None
    if attachment_id:
        attachment = access.readable_attachment(request.user, attachment_id)
        if attachment is None:
            raise Http404("no such attachment")
        return None, attachment
    raise Http404("name a message or an attachment")


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request):
    """The request form for one message (?message=<id>) or attachment (?attachment=<id>)."""
    message, attachment = _original_for_form(request)
    status, error = 200, None
    if request.method == "POST":
        form = request.POST
        try:
            created = actions.request_translation(
                requester=request.user,
                message=message,
                attachment=attachment,
                source_language=form.get("source_language") or None,
                target_language=form.get("target_language"),
                purpose=form.get("purpose"),
                urgency=form.get("urgency"),
                due_date=form.get("due_date"),
                note=form.get("note", ""),
            )
        except actions.TranslationError as exc:
            status, error = exc.http_status, exc
        else:
            messages.success(request, _("Translation requested."))
            return redirect("translations:detail", request_id=created.pk)
    original = message or attachment.message
    form = request.POST if request.method == "POST" else {"target_language": _interface_language()}
    context = {
        "message": message,
        "attachment": attachment,
        "body": room_crypto.open_body(message) if message else None,
        "handling_code": original.handling_code,
        "handling_note": original.handling_note,
        "languages": language_choices(),
        "purposes": TranslationRequest.Purpose.choices,
        "urgencies": TranslationRequest.Urgency.choices,
        "error": error,
        "form": form,
        "availability": _availability(request.user, message, attachment, form),
        "today": timezone.localdate(),
    }
    return render(request, "translations/new.html", context, status=status)


def _interface_language() -> str:
    return (get_language() or "en").split("-")[0]


def _availability(user, message, attachment, form):
    """Whether the request as the form stands could be served; None while it cannot tell."""
    try:
        return actions.check_availability(
            requester=user,
            message=message,
            attachment=attachment,
            source_language=form.get("source_language") or None,
            target_language=form.get("target_language"),
            purpose=form.get("purpose") or TranslationRequest.Purpose.INFORMATION,
        )
    except actions.TranslationError:
        return None


@login_required
def detail(request, request_id):
    try:
        found, role = access.get_request_for_viewer(request.user, request_id)
    except UnknownRequest as exc:
        raise Http404("no such translation request") from exc
    context = {"request_obj": found, "role": role}
    if role == Role.CANDIDATE:
        context["card"] = display.queue_card(found)
        return render(request, "translations/candidate.html", context)
    context["detail"] = display.request_detail(found)
    context["certification"] = display.certifications_for([found]).get(found.pk)
    if role == Role.TRANSLATOR:
        context["item"] = access.get_item_for_translator(request.user, found.pk)
        return render(request, "translations/editor.html", context)
    context["original_deleted"] = access.original_deleted(found)
    if found.message_id and not context["original_deleted"]:
        context["original"] = room_crypto.open_body(found.message)
    context["is_owner"] = room_access.is_owner(request.user, found.room)
    if context["is_owner"] and found.is_live:
        context["eligible_translators"] = [
            person
            for person in access.eligible_translators(found)
            if person.pk != found.translator_id
        ]
    return render(request, "translations/request.html", context)


@login_required
@require_POST
def transition(request, request_id, action: str):
    if action not in TRANSITIONS:
        raise Http404("no such action")
    try:
        found, _role = access.get_request_for_viewer(request.user, request_id)
    except UnknownRequest as exc:
        raise Http404("no such translation request") from exc
    try:
        changed = TRANSITIONS[action](found, request.user, request.POST)
    except actions.TranslationError as error:
        messages.error(request, error.message)
        return redirect("translations:detail", request_id=found.pk)
    if access.role_of(request.user, changed) is None:
        return redirect("translations:board")
    return redirect("translations:detail", request_id=changed.pk)


@login_required
def item_download(request, request_id):
    """The attachment to translate, as a download, for the translator who holds it."""
    try:
        found = access.get_item_for_translator(request.user, request_id)
    except UnknownRequest as exc:
        raise Http404("no such translation request") from exc
    if found.kind != "attachment":
        raise Http404("this request is about a message")
    response = HttpResponse(found.content, content_type=found.content_type)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        if request.POST.get("notification"):
            try:
                notifications.mark_read(
                    user=request.user, notification_id=request.POST["notification"]
                )
            except LookupError as exc:
                raise Http404("no such notification") from exc
        else:
            notifications.mark_all_read(user=request.user)
        return redirect("translations:notifications")
    rows = Notification.objects.filter(recipient=request.user).select_related("request")[:200]
    return render(request, "translations/notifications.html", {"notifications": rows})
