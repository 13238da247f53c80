"""Invitations: how a practitioner gets an account.

An active member of a network (or an operator, with `manage.py invite`) invites a colleague
by email to apply to that network. The link carries a random secret of which only a SHA-256
is stored; it works once and expires. Following it, the colleague creates the account and
is sent to second-factor enrolment and then to the network's apply form. Each creation,
acceptance and revocation is on record in the audit log.

An invitation to an address that already has an account is stored and listed exactly like
any other (the inviter learns nothing); that account is only told by email that it was
invited and should sign in and apply.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from network import signals
from network.accounts.factors import session_satisfies_coordinator_factor
from network.accounts.models import Invitation, User
from network.audit.log import record
from network.errors import DomainError
from network.membership import is_active_member, is_coordinator
from network.models import Network
from network.origin import site_origin

LIFETIME = timedelta(days=7)
DAILY_LIMIT_PER_INVITER = 20
MAX_NOTE_LENGTH = 1000
OPERATOR_NAME = "The Counterpart operators"
ACCOUNT_FIELDS = (
    "display_name",
    "institution",
    "position",
    "state",
    "languages",
    "time_zone",
)


class InvitationError(DomainError):
    """A refused invitation action; `errors` holds per-field messages of an account form."""

    def __init__(self, code: str, message: str, *, errors: dict | None = None):
        super().__init__(code, message, field=next(iter(errors), None) if errors else None)
        self.errors = errors or {}


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    # The link's secret: in the email only, never stored.
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def acceptance_url(token: str) -> str:
    return site_origin() + reverse("accounts:accept_invitation", args=[token])


# --- Creating -----------------------------------------------------------------------------


def create_invitation(
    *,
    network: Network,
    email: str,
    note: str = "",
    inviter: User | None,
    ip_address: str | None = None,
) -> IssuedInvitation:
    """Invite `email` to apply to `network`. `inviter=None` is an operator (no rate limit);
    otherwise the inviter must be an active member and within the daily limit."""
    email = _normalised_email(email)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvitationError(
            "note_too_long",
            _("The note is longer than %(max)d characters.") % {"max": MAX_NOTE_LENGTH},
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if inviter is not None:
            # Serialises one inviter's requests, so the daily limit holds under concurrency.
            inviter = User.objects.select_for_update().get(pk=inviter.pk)
            _check_may_invite(inviter, network)
        now = timezone.now()
        invitation = Invitation.objects.create(
            network=network,
            email=email,
            note=note,
            invited_by=inviter,
            inviter_name=inviter.display_name if inviter is not None else OPERATOR_NAME,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + LIFETIME,
        )
        existing = User.objects.filter(email=email).first()
        record(
            "invitation.created",
            actor=inviter,
            target=invitation,
            details={
                "network": network.slug,
                "email": email,
                "existing_account": existing is not None,
            },
            ip_address=ip_address,
        )
        if existing is None:
            transaction.on_commit(lambda: _send_invitation(invitation, token))
        elif existing.is_active:
            transaction.on_commit(lambda: _send_sign_in_notice(invitation, existing))
    return IssuedInvitation(invitation=invitation, token=token)


def create_guest_invitation(
    *, network: Network, email: str, inviter: User, room_note: str = ""
) -> IssuedInvitation:
    """Invite `email` to create an account as a room guest (messaging/guests), once the
    guest's coordinator approved them: the guest workflow made the checks; the link works
    like any other, and leads to second-factor enrolment, then to the room list."""
    email = _normalised_email(email)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        network=network,
        email=email,
        note=room_note,
        invited_by=inviter,
        inviter_name=inviter.display_name,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + LIFETIME,
        guest=True,
    )
    record(
        "invitation.created",
        actor=inviter,
        target=invitation,
        details={"network": network.slug, "email": email, "guest": True},
    )
    transaction.on_commit(lambda: _send_guest_invitation(invitation, token))
    return IssuedInvitation(invitation=invitation, token=token)


def _send_guest_invitation(invitation: Invitation, token: str) -> None:
    network = invitation.network
    lines = [
        _(
            "%(inviter)s invited you to take part in a case room of %(network)s on "
            "Counterpart, as a guest in a support role; a coordinator of the network approved it."
        )
        % {"inviter": invitation.inviter_name, "network": network.name},
        "",
        _(
            "Counterpart is a secure service for practitioners who cooperate across borders "
            "against trafficking in persons. To create your account, open this link before "
            "%(expires)s UTC. You will set up a second sign-in factor (an authenticator app or "
            "a security key), which every sign-in asks for."
        )
        % {"expires": f"{invitation.expires_at:%Y-%m-%d %H:%M}"},
        "",
        acceptance_url(token),
        "",
        _("The link works once. If you did not expect this email, ignore it."),
    ]
    send_mail(
        _("Counterpart: an invitation to a case room of %(network)s") % {"network": network.name},
        "\n".join(lines),
        None,
        [invitation.email],
        fail_silently=True,
    )


def _normalised_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvitationError("invalid_email", _("Enter a valid email address.")) from exc
    return email


def _check_may_invite(inviter: User, network: Network) -> None:
    if not inviter.is_active or not is_active_member(inviter, network):
        raise InvitationError(
            "not_active_member",
            _("Only active members of %(network)s may invite colleagues to it.")
            % {"network": network},
        )
    since = timezone.now() - timedelta(days=1)
    sent = Invitation.objects.filter(invited_by=inviter, created_at__gt=since).count()
    if sent >= DAILY_LIMIT_PER_INVITER:
        raise InvitationError(
            "rate_limited",
            _("You sent %(count)d invitations in the last 24 hours; try again later.")
            % {"count": sent},
        )


def _send_invitation(invitation: Invitation, token: str) -> None:
    network = invitation.network
    lines = [
        _("%(inviter)s invited you to apply to %(network)s on Counterpart.")
        % {"inviter": invitation.inviter_name, "network": network.name},
        "",
        _(
            "Counterpart is a secure service for practitioners who cooperate across borders "
            "against trafficking in persons. To create your account and apply, open this link "
            "before %(expires)s UTC:"
        )
        % {"expires": f"{invitation.expires_at:%Y-%m-%d %H:%M}"},
        "",
        acceptance_url(token),
        "",
    ]
    if invitation.note:
        lines += [_("Their note:"), invitation.note, ""]
    lines.append(_("The link works once. If you did not expect this email, ignore it."))
    send_mail(
        _("Counterpart: an invitation to apply to %(network)s") % {"network": network.name},
        "\n".join(lines),
        None,
        [invitation.email],
        fail_silently=True,
    )


def _send_sign_in_notice(invitation: Invitation, user: User) -> None:
    network = invitation.network
    body = "\n".join(
        [
            _("You were invited to apply to %(network)s. You already have an account: sign in.")
            % {"network": network.name},
            "",
            site_origin() + reverse("vetting:apply", args=[network.slug]),
            "",
        ]
    )
    send_mail(
        _("Counterpart: an invitation to apply to %(network)s") % {"network": network.name},
        body,
        None,
        [user.email],
        fail_silently=True,
    )


# --- Following the link -------------------------------------------------------------------


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The pending invitation of the link, or `InvitationError` saying why not."""
    invitations = Invitation.objects.select_related("network")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=hash_token(token or "")).first()
    if invitation is None:
        raise InvitationError(
            "not_found", _("This invitation link is not valid. Check that it is complete.")
        )
    state = invitation.state
    if state == Invitation.State.ACCEPTED:
        raise InvitationError(
            "accepted", _("This invitation was already used. Sign in with your account.")
        )
    if state == Invitation.State.REVOKED:
        raise InvitationError("revoked", _("This invitation was withdrawn."))
    if state == Invitation.State.EXPIRED:
        raise InvitationError(
            "expired",
            _("This invitation has expired. Ask the colleague who invited you for a new one."),
        )
    return invitation


def accept_invitation(
    *, token: str, account: dict, password: str, ip_address: str | None = None
) -> tuple[User, Invitation]:
    """Create the invitee's account from the invitation; it is used up in the same
    transaction, so a link creates at most one account."""
    unknown = set(account) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"unexpected account fields: {sorted(unknown)}")
    with transaction.atomic():
        invitation = invitation_for_token(token, lock=True)
        if User.objects.filter(email=invitation.email).exists():
            raise InvitationError(
                "account_exists",
                _(
                    "An account already uses this address. Sign in and apply from the "
                    "network's page."
                ),
            )
        user = User(email=invitation.email, **account)
        _validate_new_account(user, password)
        user.set_password(password)
        user.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            "invitation.accepted",
            actor=user,
            target=invitation,
            details={"network": invitation.network.slug, "user_id": user.pk},
            ip_address=ip_address,
        )
        record("account.created", actor=user, target=user, ip_address=ip_address)
        signals.invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return user, invitation


def _validate_new_account(user: User, password: str) -> None:
    errors = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password1"] = exc.messages
    if errors:
        raise InvitationError(
            "invalid_account", _("Some fields need your attention."), errors=errors
        )


# --- Listing and revoking -----------------------------------------------------------------


def _coordinated_network_ids(request) -> list[int]:
    return [
        network.pk
        for network in Network.objects.filter(
            memberships__user=request.user, memberships__role="coordinator"
        ).distinct()
        if is_coordinator(request.user, network)
        and session_satisfies_coordinator_factor(request.session, network)
    ]


def invitations_visible_to(request):
    """The invitations the user sent, and those to the networks the user coordinates."""
    visible = Q(invited_by=request.user) | Q(network_id__in=_coordinated_network_ids(request))
    return Invitation.objects.filter(visible).select_related("network", "invited_by")


def get_invitation_to_manage(request, invitation_id: int) -> Invitation:
    invitation = invitations_visible_to(request).filter(pk=invitation_id).first()
    if invitation is None:
        raise InvitationError("not_found", _("No such invitation."))
    return invitation


def revoke_invitation(
    *, invitation: Invitation, actor: User | None, ip_address: str | None = None
) -> Invitation:
    """Withdraw a pending invitation; its link stops working at once."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state != Invitation.State.PENDING:
            raise InvitationError(
                "not_pending",
                _("This invitation is %(state)s; only a pending one can be withdrawn.")
                % {"state": invitation.get_state_display()},
            )
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = actor
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "invitation.revoked",
            actor=actor,
            target=invitation,
            details={"network": invitation.network.slug, "email": invitation.email},
            ip_address=ip_address,
        )
    return invitation
