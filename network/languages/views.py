import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.iso import language_choices
from network.languages import actions
from network.languages.models import LanguagePair


@login_required
@require_http_methods(["GET", "POST"])
def pairs(request):
    """The member's declared pairs, and the form to declare one."""
    status = 200
    if request.method == "POST":
        try:
            actions.declare_pair(
                user=request.user,
                source=request.POST.get("source"),
                target=request.POST.get("target"),
                certified=request.POST.get("certified") == "on",
            )
        except actions.LanguagePairError as error:
            messages.error(request, error.message)
            status = error.http_status
        else:
            return redirect("languages:pairs")
    context = {
        "pairs": LanguagePair.objects.filter(user=request.user).select_related("verified_by"),
        "coordinator": actions.is_coordinator_anywhere(request.user),
        "languages": language_choices(),
    }
    return render(request, "languages/pairs.html", context, status=status)


@login_required
@require_POST
def withdraw(request, pair_id: int):
    try:
        actions.withdraw_pair(user=request.user, pair_id=pair_id)
    except actions.LanguagePairError as error:
        messages.error(request, error.message)
    return redirect("languages:pairs")


@login_required
@require_http_methods(["GET", "POST"])
def evidence(request, pair_id: int):
    """POST: the member uploads evidence for a certified pair. GET: the evidence, for its
    translator and the coordinators who may verify it."""
    if request.method == "POST":
        try:
            content = actions.read_upload(request.FILES.get("evidence"))
            actions.upload_evidence(user=request.user, pair_id=pair_id, content=content)
        except actions.LanguagePairError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Evidence uploaded; a coordinator will verify it."))
        return redirect("languages:pairs")
    try:
        pair = actions.pair_for_evidence(request.user, pair_id)
    except actions.LanguagePairError as exc:
        raise Http404("no such evidence") from exc
    response = HttpResponse(actions.open_evidence(pair), content_type=pair.evidence_content_type)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    name = f"evidence-{pair.pk}.{extension[pair.evidence_content_type]}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _coordinator_only(request):
    if not actions.is_coordinator_anywhere(request.user):
        raise PermissionDenied("only coordinators verify certifications")


@login_required
@require_GET
def verifications(request):
    """Coordinators: certified pairs of members of their networks, with the evidence."""
    _coordinator_only(request)
    context = {
        "pairs": actions.awaiting_verification(request.user),
        "tomorrow": timezone.localdate() + datetime.timedelta(days=1),
    }
    return render(request, "languages/verifications.html", context)


@login_required
@require_POST
def verify(request, pair_id: int):
    try:
        actions.pair_for_coordinator(request.user, pair_id)
    except actions.LanguagePairError as exc:
        raise Http404("no such language pair") from exc
    try:
        actions.verify_pair(
            coordinator=request.user, pair_id=pair_id, expires=request.POST.get("expires")
        )
    except actions.LanguagePairError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Certification verified."))
    return redirect("languages:verifications")


@login_required
@require_POST
def unverify(request, pair_id: int):
    try:
        actions.pair_for_coordinator(request.user, pair_id)
    except actions.LanguagePairError as exc:
        raise Http404("no such language pair") from exc
    try:
        actions.withdraw_verification(coordinator=request.user, pair_id=pair_id)
    except actions.LanguagePairError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Verification withdrawn."))
    return redirect("languages:verifications")
