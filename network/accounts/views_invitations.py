"""Invitation pages: inviting a colleague to a network, listing and withdrawing
invitations, and following an invitation link to create an account.

Following a link is open to anonymous visitors; the new account is signed in with its
password only and sent to second-factor enrolment, then to the network's apply form.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.accounts import invitations, session_index
from network.accounts.forms import InvitationForm, InvitedAccountForm
from network.accounts.invitations import InvitationError
from network.accounts.views import NEXT_KEY
from network.audit.log import record
from network.membership import is_active_member
from network.models import Network

ACCOUNT_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _error_page(request, error: InvitationError):
    return render(
        request, "accounts/invitation_error.html", {"error": error}, status=error.http_status
    )


def invitation_page(view):
    """A refused invitation action renders its message with its status code."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except InvitationError as error:
            return _error_page(request, error)

    return wrapper


@login_required
@invitation_page
@require_GET
def invitation_list(request):
    rows = invitations.invitations_visible_to(request)[:200]
    networks = [
        network for network in Network.objects.all() if is_active_member(request.user, network)
    ]
    return render(request, "accounts/invitations.html", {"invitations": rows, "networks": networks})


@login_required
@invitation_page
@require_http_methods(["GET", "POST"])
def invite(request, slug: str):
    network = get_object_or_404(Network, slug=slug)
    if not is_active_member(request.user, network):
        raise InvitationError(
            "not_active_member",
            _("Only active members of %(network)s may invite colleagues to it.")
            % {"network": network},
        )
    form = InvitationForm(request.POST or None)
    context = {"form": form, "network": network}
    if request.method == "GET":
        return render(request, "accounts/invitation_new.html", context)
    if not form.is_valid():
        return render(request, "accounts/invitation_new.html", context, status=400)
    issued = invitations.create_invitation(
        network=network,
        email=form.cleaned_data["email"],
        note=form.cleaned_data["note"],
        inviter=request.user,
        ip_address=session_index.client_ip(request),
    )
    messages.success(
        request,
        _("The invitation to %(email)s was sent; it is valid for 7 days.")
        % {"email": issued.invitation.email},
    )
    return redirect("accounts:invitations")


@login_required
@invitation_page
@require_POST
def revoke(request, invitation_id: int):
    invitation = invitations.get_invitation_to_manage(request, invitation_id)
    invitations.revoke_invitation(
        invitation=invitation, actor=request.user, ip_address=session_index.client_ip(request)
    )
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("accounts:invitations")


@invitation_page
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    if request.user.is_authenticated:
        raise InvitationError(
            "signed_in",
            _("You are signed in. Sign out before accepting an invitation for a new account."),
        )
    invitation = invitations.invitation_for_token(token)
    form = InvitedAccountForm(request.POST or None, initial={"time_zone": "UTC"})
    context = {"form": form, "invitation": invitation}
    if request.method == "GET":
        return render(request, "accounts/invitation_accept.html", context)
    if not form.is_valid():
        return render(request, "accounts/invitation_accept.html", context, status=400)
    account = {field: form.cleaned_data[field] for field in invitations.ACCOUNT_FIELDS}
    try:
        user, invitation = invitations.accept_invitation(
            token=token,
            account=account,
            password=form.cleaned_data["password1"],
            ip_address=session_index.client_ip(request),
        )
    except InvitationError as error:
        if not error.errors:
            raise
        for field, errors in error.errors.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "accounts/invitation_accept.html", context, status=400)
    _sign_in_password_only(request, user)
    request.session[NEXT_KEY] = (
        reverse("messaging:room_list")
        if invitation.guest
        else reverse("vetting:apply", args=[invitation.network.slug])
    )
    return redirect("accounts:enrol")


def _sign_in_password_only(request, user) -> None:
    """The new account's session is half-authenticated, as after the password step."""
    login(request, user, backend=ACCOUNT_BACKEND)  # cycles the session id
    with transaction.atomic():
        session_index.register(request)
        record(
            "sign_in.password_accepted",
            actor=user,
            target=user,
            details={"via": "invitation"},
            ip_address=session_index.client_ip(request),
        )
