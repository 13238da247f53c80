from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

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
        "pairs": LanguagePair.objects.filter(user=request.user),
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
