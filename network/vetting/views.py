"""Pages for applying, endorsing and a coordinator's vetting work, under /networks/.

Thin: a permission-checked getter, one action, then redirect. A refused action
(`VettingError`) is shown with its message and HTTP status.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.membership import is_active_member, is_coordinator
from network.models import Membership, MembershipDecision, Network, SeatRole
from network.vetting import access, actions, admission
from network.vetting.actions import VettingError
from network.vetting.decisions import DECISIONS, offered_decisions

Status = Membership.Status
REVETTING_NOTICE = timedelta(days=30)


def vetting_page(view):
    """Signed-in only; a refused action renders its message with its status code."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except VettingError as error:
            return render(
                request,
                "network/vetting_error.html",
                {"error": error, "back": _safe_referer(request)},
                status=error.http_status,
            )

    return wrapper


def _safe_referer(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if allowed else ""


def _offered(membership: Membership) -> list[tuple[str, str]]:
    return [(d.name, d.label) for d in offered_decisions(membership)]


def revetting_state(membership: Membership) -> str:
    """For active members: overdue, due_soon (within REVETTING_NOTICE) or the empty string."""
    if membership.status != Status.ACTIVE or membership.renew_by is None:
        return ""
    today = timezone.localdate()
    if membership.renew_by < today:
        return "overdue"
    return "due_soon" if membership.renew_by <= today + REVETTING_NOTICE else ""


@vetting_page
@require_GET
def network_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("network")
    return render(
        request,
        "network/networks.html",
        {"networks": Network.objects.all(), "memberships": memberships},
    )


@vetting_page
@require_GET
def network_detail(request, slug: str):
    network = access.get_network(slug)
    membership = Membership.objects.filter(user=request.user, network=network).first()
    return render(
        request,
        "network/network_detail.html",
        {
            "network": network,
            "membership": membership,
            "is_member": is_active_member(request.user, network),
            "is_coordinator": is_coordinator(request.user, network),
        },
    )


@vetting_page
@require_http_methods(["GET", "POST"])
def apply(request, slug: str):
    network = access.get_network(slug)
    fields = (
        "institution",
        "position",
        "statement",
        "nominating_authority",
        "declaration",
        "seat_state",
        "seat_role",
    )
    values = {name: request.POST.get(name, "") for name in fields}
    context = {"network": network, "values": values, "seat_roles": SeatRole.choices}
    if request.method == "GET":
        values.update(institution=request.user.institution, position=request.user.position)
        return render(request, "network/apply.html", context)
    letter, letter_content_type = admission.read_letter(request.FILES.get("designation_letter"))
    try:
        actions.apply_to_network(
            user=request.user,
            network=network,
            letter=letter,
            letter_content_type=letter_content_type,
            **values,
        )
    except VettingError as error:
        context["error"] = error
        return render(request, "network/apply.html", context, status=error.http_status)
    messages.success(
        request, _("Your application to %(network)s is on record.") % {"network": network}
    )
    return redirect("vetting:network", slug=network.slug)


@vetting_page
@require_GET
def applications(request, slug: str):
    network = access.get_network_for_member(request, slug)
    rows = [
        {
            "membership": membership,
            "endorsements": access.current_round_endorsements(membership),
            "endorsed_by_me": _endorsed_by(membership, request.user),
            "is_self": membership.user_id == request.user.pk,
        }
        for membership in access.pending_applications(network)
    ]
    return render(request, "network/applications.html", {"network": network, "rows": rows})


def _endorsed_by(membership: Membership, user) -> bool:
    return any(e.endorser_id == user.pk for e in access.current_round_endorsements(membership))


@vetting_page
@require_POST
def endorse(request, slug: str, pk: int):
    network = access.get_network_for_member(request, slug)
    membership = access.get_membership_in(network, pk)
    actions.endorse(
        membership=membership, endorser=request.user, statement=request.POST.get("statement", "")
    )
    messages.success(
        request,
        _("You endorsed %(name)s.") % {"name": membership.user.display_name},
    )
    return redirect("vetting:applications", slug=network.slug)


@vetting_page
@require_GET
def queue(request, slug: str):
    network = access.get_network_for_coordinator(request, slug)
    rows = [
        {
            "membership": membership,
            "endorsements": access.current_round_endorsements(membership),
            "decisions": _offered(membership),
        }
        for membership in access.pending_applications(network)
    ]
    return render(request, "network/queue.html", {"network": network, "rows": rows})


@vetting_page
@require_GET
def members(request, slug: str):
    network = access.get_network_for_coordinator(request, slug)
    memberships = (
        network.memberships.exclude(status__in=access.PENDING)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    rows = [
        {"membership": m, "decisions": _offered(m), "revetting": revetting_state(m)}
        for m in memberships
    ]
    return render(
        request,
        "network/members.html",
        {"network": network, "rows": rows, "roles": Membership.Role.choices},
    )


@vetting_page
@require_GET
def membership_detail(request, slug: str, pk: int):
    membership = access.get_membership_for_history(request, slug, pk)
    network = membership.network
    coordinating = is_coordinator(request.user, network) and membership.user_id != request.user.pk
    return render(
        request,
        "network/membership.html",
        {
            "network": network,
            "membership": membership,
            "endorsements": membership.endorsements.select_related("endorser").order_by(
                "application_round", "created_at"
            ),
            "decisions": membership.decisions.select_related("actor"),
            "offered": _offered(membership) if coordinating else [],
            "roles": Membership.Role.choices,
        },
    )


@vetting_page
@require_POST
def decide(request, slug: str, pk: int):
    network = access.get_network_for_coordinator(request, slug)
    membership = access.get_membership_in(network, pk)
    decision = DECISIONS.get(request.POST.get("decision", ""))
    if decision is None:
        raise VettingError(
            "field_required",
            _("Choose a decision: %(choices)s.") % {"choices": ", ".join(DECISIONS)},
        )
    decision.take(
        membership=membership,
        coordinator=request.user,
        reason=request.POST.get("reason", ""),
        role=request.POST.get("role", ""),
    )
    messages.success(
        request,
        _("%(decision)s: %(name)s — on record.")
        % {"decision": decision.label, "name": membership.user.display_name},
    )
    return _back_to(request.POST.get("next", ""), network, membership)


@vetting_page
@require_GET
def designation_letter(request, slug: str, pk: int):
    """A coordinator reads an applicant's designation letter (a download, never inline)."""
    network = access.get_network_for_coordinator(request, slug)
    membership = access.get_membership_in(network, pk)
    letter, content_type = admission.letter_for_coordinator(membership, request.user)
    response = HttpResponse(letter, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{admission.letter_filename(membership)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _back_to(page: str, network: Network, membership: Membership):
    if page == "members":
        return redirect("vetting:members", slug=network.slug)
    if page == "membership":
        return redirect("vetting:membership", slug=network.slug, pk=membership.pk)
    return redirect("vetting:queue", slug=network.slug)


@vetting_page
@require_GET
def network_decisions(request, slug: str):
    network = access.get_network_for_coordinator(request, slug)
    decisions = (
        MembershipDecision.objects.filter(membership__network=network)
        .select_related("actor", "membership__user")
        .order_by("-decided_at", "-pk")[:500]
    )
    return render(request, "network/decisions.html", {"network": network, "decisions": decisions})
