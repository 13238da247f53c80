from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.competences import Competence
from directory.introductions import actions
from directory.introductions.access import get_introduction, introductions_for
from directory.introductions.models import PURPOSE_MAX, Urgency
from directory.presenting import present_contact_point
from directory.visibility import directory_viewer, get_contact_point, members_only
from network.errors import DomainError


def _form_context(entry, viewer, values=None, error=None) -> dict:
    return {
        "entry": present_contact_point(entry, viewer),
        "contact_point": entry,
        "competences": Competence.choices,
        "urgencies": Urgency.choices,
        "purpose_max": PURPOSE_MAX,
        "values": values or {"competence": "", "urgency": Urgency.ROUTINE, "purpose": ""},
        "error": error,
    }


@login_required
@require_http_methods(["GET", "POST"])
@members_only
def ask(request, pk: int):
    viewer = directory_viewer(request.user)
    entry = get_contact_point(pk)
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ("purpose", "competence", "urgency")}
        values["urgency"] = values["urgency"] or Urgency.ROUTINE
        try:
            introduction = actions.request_introduction(
                requester=request.user, contact_point=entry, **values
            )
        except DomainError as error:
            context = _form_context(entry, viewer, values, error)
            return render(request, "introductions/ask.html", context, status=error.http_status)
        messages.success(request, _("Your request was sent; you will be told of the answer."))
        return redirect(introduction.get_absolute_url())
    return render(request, "introductions/ask.html", _form_context(entry, viewer))


@login_required
@require_GET
@members_only
def overview(request):
    asked, to_decide = introductions_for(request.user)
    return render(request, "introductions/list.html", {"asked": asked, "to_decide": to_decide})


@login_required
@require_GET
@members_only
def detail(request, introduction_id):
    introduction = get_introduction(request.user, introduction_id)
    return render(
        request,
        "introductions/detail.html",
        {
            "introduction": introduction,
            "may_decide": actions.may_decide(request.user, introduction)
            and introduction.status == "pending",
        },
    )


@login_required
@require_POST
@members_only
def accept(request, introduction_id):
    introduction = get_introduction(request.user, introduction_id)
    introduction = actions.accept(introduction=introduction, user=request.user)
    messages.success(request, _("Accepted: a direct room is open with the requester."))
    return redirect(f"/rooms/{introduction.room_id}/")


@login_required
@require_POST
@members_only
def decline(request, introduction_id):
    introduction = get_introduction(request.user, introduction_id)
    actions.decline(
        introduction=introduction, user=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Declined; the requester has been told."))
    return redirect("introductions:list")
