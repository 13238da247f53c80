"""Pages: the permissions asked of you (answer them) and those you asked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messaging import access as access_rules
from messaging.disclosure import access, actions


@login_required
def permission_list(request):
    context = {
        "asked_of_me": access.asked_of(request.user).select_related("message"),
        "asked_by_me": access.asked_by(request.user).select_related("message")[:200],
    }
    return render(request, "messaging/permissions.html", context)


@login_required
@require_POST
def answer(request, permission_id):
    found = access.get_permission_for(request.user, permission_id)
    if found is None:
        raise Http404("no such permission request")
    try:
        answered = actions.answer_permission(
            permission=found,
            provider=request.user,
            answer=request.POST.get("answer"),
            note=request.POST.get("note", ""),
        )
    except actions.DisclosureError as error:
        messages.error(request, error.message)
        return redirect("disclosure:permissions")
    if answered.answer == answered.Answer.GRANTED:
        messages.success(request, _("Permission granted."))
    else:
        messages.success(request, _("Permission refused."))
    return redirect("disclosure:permissions")


@login_required
@require_POST
def share(request):
    """The provider lets support or observer participants read an H1 or H2 item."""
    message = access_rules.readable_message(request.user, request.POST.get("message", ""))
    if message is None:
        raise Http404("no such message")
    back = redirect(
        reverse("messaging:room", args=[message.room_id])
        + f"?thread={message.thread_id}#m{message.seq}"
    )
    try:
        recipients = [int(value) for value in request.POST.getlist("recipients")]
    except ValueError:
        recipients = None
    try:
        actions.share_item(provider=request.user, message=message, recipients=recipients)
    except actions.DisclosureError as error:
        messages.error(request, error.message)
        return back
    messages.success(request, _("They may now read this item."))
    return back
