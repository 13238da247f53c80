"""Pages: the permissions asked of you (answer them) and those you asked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
