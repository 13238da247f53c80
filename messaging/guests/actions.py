"""Room guests: propose, decide, admit, end. Each step is one transaction, an audit entry,
and — when someone enters or leaves the room — an event of the room's log."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from messaging import access, actions
from messaging.guests import access as guest_access
from messaging.guests.models import (
    NAME_MAX,
    ORGANISATION_MAX,
    PURPOSE_MAX,
    REASON_MAX,
    GuestStatus,
    RoomGuest,
)
from messaging.models import Room, RoomParticipant, Thread
from messaging.realtime import broadcast
from messaging.room_writes import finish_write, lock_room
from network.accounts import invitations
from network.accounts.models import User
from network.audit import log as audit
from network.errors import DomainError
from network.membership import is_coordinator

# The longest stay a proposal may ask for; a longer need is a new proposal, decided again.
MAX_STAY_DAYS = 180


class GuestError(DomainError):
    """A refused step of the room-guest workflow."""


def _text(value, field: str, max_length: int, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise GuestError("invalid_field", _("This field must be text."), field=field)
    value = value.strip()
    if required and not value:
        raise GuestError("missing_field", _("This field is required."), field=field)
    if len(value) > max_length:
        raise GuestError(
            "field_too_long",
            _("At most %(max)d characters.") % {"max": max_length},
            field=field,
        )
    return value


def _end_date(value):
    if isinstance(value, str):
        value = parse_date(value.strip()) if value.strip() else None
    if value is None:
        raise GuestError("missing_field", _("Give the end date of the stay."), field="ends_on")
    if not hasattr(value, "isoformat") or hasattr(value, "hour"):
        raise GuestError("invalid_field", _("Give a date as YYYY-MM-DD."), field="ends_on")
    today = timezone.localdate()
    if value < today:
        raise GuestError("invalid_field", _("The end date is in the past."), field="ends_on")
    if value > today + timedelta(days=MAX_STAY_DAYS):
        raise GuestError(
            "invalid_field",
            _("A stay lasts at most %(days)d days; propose the guest again after it.")
            % {"days": MAX_STAY_DAYS},
            field="ends_on",
        )
    return value


def _threads(room: Room, sponsor, values) -> list[Thread]:
    if isinstance(values, str | bytes) or not isinstance(values, list | tuple | set):
        values = [] if values in (None, "") else [values]
    if not values:
        raise GuestError(
            "missing_field",
            _("Name at least one thread the guest will read."),
            field="threads",
        )
    ids = set()
    for value in values:
        parsed = access._parse_room_id(getattr(value, "pk", value))
        if parsed is None:
            raise GuestError("invalid_field", _("Unknown thread."), field="threads")
        ids.add(parsed)
    found = list(access.visible_threads(sponsor, Thread.objects.filter(room=room, pk__in=ids)))
    if len(found) != len(ids):
        raise GuestError(
            "invalid_field",
            _("Every thread must be a thread of this room you read."),
            field="threads",
        )
    return found


def propose(
    *,
    room: Room,
    sponsor,
    email,
    name,
    organisation,
    purpose,
    ends_on,
    threads,
) -> RoomGuest:
    """An owner of a case room proposes a guest. The room's network must allow guests; the
    guest will read only `threads`, until `ends_on`."""
    if not access.can_read(sponsor, room):
        raise access.UnknownRoom(room.pk)
    if room.kind != Room.Kind.CASE or room.network_id is None:
        raise GuestError("guests_not_allowed", _("Only a case room of a network takes guests."))
    if not guest_access.manages_guests(sponsor, room):
        raise GuestError("forbidden", _("Only an owner of the room proposes a guest."))
    if not room.network.guests_allowed:
        raise GuestError(
            "guests_not_allowed",
            _("%(network)s does not admit guests to its case rooms.") % {"network": room.network},
        )
    if room.closed_at is not None:
        raise GuestError("room_closed", _("This case is closed."))
    email = _text(email, "email", 254).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise GuestError("invalid_email", _("Enter a valid email address."), field="email") from exc
    fields = {
        "name": _text(name, "name", NAME_MAX),
        "organisation": _text(organisation, "organisation", ORGANISATION_MAX),
        "purpose": _text(purpose, "purpose", PURPOSE_MAX),
        "ends_on": _end_date(ends_on),
    }
    chosen = _threads(room, sponsor, threads)
    try:
        with transaction.atomic():
            guest = RoomGuest.objects.create(room=room, email=email, sponsor=sponsor, **fields)
            guest.threads.set(chosen)
            audit.record(
                "messaging.guest_proposed",
                actor=sponsor,
                target=guest,
                details={
                    "room": str(room.pk),
                    "ends_on": fields["ends_on"].isoformat(),
                    "threads": sorted(str(thread.pk) for thread in chosen),
                },
            )
    except IntegrityError as exc:
        raise GuestError(
            "already_pending",
            _("This address already has an open proposal or stay in this room."),
            field="email",
        ) from exc
    return guest


def decide(*, guest: RoomGuest, coordinator, approve: bool, reason="") -> RoomGuest:
    """A coordinator of the room's network approves or refuses a pending proposal (a refusal
    says why); never their own. Approved, the guest is invited, or admitted at once if an
    active account already uses the address."""
    reason = _text(reason, "reason", REASON_MAX, required=not approve)
    with transaction.atomic():
        guest = (
            RoomGuest.objects.select_for_update(of=("self",))
            .select_related("room__network")
            .get(pk=guest.pk)
        )
        room = guest.room
        if not is_coordinator(coordinator, room.network_id):
            raise GuestError(
                "not_coordinator",
                _("Only active coordinators of %(network)s may do this.")
                % {"network": room.network},
            )
        if guest.status != GuestStatus.PENDING:
            raise GuestError("not_pending", _("This proposal has already been decided."))
        if guest.sponsor_id == coordinator.pk:
            raise GuestError(
                "own_proposal", _("Another coordinator decides on a guest you proposed.")
            )
        guest.decided_by, guest.decided_at = coordinator, timezone.now()
        guest.decision_reason = reason
        if not approve:
            guest.status = GuestStatus.REFUSED
            guest.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
            audit.record("messaging.guest_refused", actor=coordinator, target=guest, reason=reason)
            return guest
        if not room.network.guests_allowed:
            raise GuestError(
                "guests_not_allowed",
                _("%(network)s does not admit guests to its case rooms.")
                % {"network": room.network},
            )
        if guest.ends_on < timezone.localdate():
            raise GuestError("expired", _("The proposed stay has already ended."))
        guest.status = GuestStatus.APPROVED
        guest.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record("messaging.guest_approved", actor=coordinator, target=guest, reason=reason)
        account = User.objects.filter(email__iexact=guest.email).first()
        if account is not None:
            if not account.is_active:
                raise GuestError(
                    "account_inactive", _("The account using this address is disabled.")
                )
            admit(guest=guest, user=account)
        else:
            issued = invitations.create_guest_invitation(
                network=room.network, email=guest.email, inviter=guest.sponsor
            )
            guest.invitation = issued.invitation
            guest.save(update_fields=["invitation"])
    return guest


def admit(*, guest: RoomGuest, user) -> RoomParticipant:
    """The approved guest's account joins the room in the support capacity, reading the named
    threads, until the end date (inside the caller's transaction)."""
    with transaction.atomic():
        room = lock_room(guest.room)
        if guest.status != GuestStatus.APPROVED:
            raise GuestError("not_pending", _("This guest is not awaiting admission."))
        if guest.ends_on < timezone.localdate():
            raise GuestError("expired", _("The proposed stay has already ended."))
        if RoomParticipant.objects.current().filter(room=room, user=user).exists():
            raise GuestError("already_member", _("This person already takes part in the room."))
        participation, event = actions.enter_room(
            room,
            user,
            RoomParticipant.Role.PARTICIPANT,
            guest.sponsor,
            RoomParticipant.Capacity.SUPPORT,
            guest_until=guest.ends_on,
            approved_by=guest.decided_by_id,
        )
        for thread in guest.threads.all():
            _reader, event = actions.name_reader(room, thread, user, guest.sponsor)
        guest.status, guest.user, guest.participation = GuestStatus.ADMITTED, user, participation
        guest.save(update_fields=["status", "user", "participation"])
        audit.record(
            "messaging.guest_admitted",
            actor=user,
            target=room,
            details={"guest": guest.pk, "user": user.pk, "until": guest.ends_on.isoformat()},
        )
        finish_write(room, event)
        room_id, user_id = room.pk, user.pk
        transaction.on_commit(lambda: broadcast.member_access_changed(user_id, room_id=room_id))
    return participation


def may_end(user, guest: RoomGuest) -> bool:
    """An owner of the room (reading it in full), or a coordinator of its network."""
    return guest_access.manages_guests(user, guest.room) or is_coordinator(
        user, guest.room.network_id
    )


def end(*, guest: RoomGuest, actor, reason="") -> RoomGuest:
    """End a guest's proposal or stay now: the participation ends (a new data-key epoch, as
    for any removal) and the guest's sockets of the room close at once."""
    reason = _text(reason, "reason", REASON_MAX, required=False)
    with transaction.atomic():
        guest = (
            RoomGuest.objects.select_for_update(of=("self",))
            .select_related("room__network")
            .get(pk=guest.pk)
        )
        if not may_end(actor, guest):
            raise GuestError(
                "forbidden", _("Only an owner of the room or a coordinator ends a guest's stay.")
            )
        if not guest.is_open:
            raise GuestError("not_open", _("This guest's stay has already ended."))
        room = lock_room(guest.room)
        participation = (
            RoomParticipant.objects.current()
            .filter(pk=guest.participation_id)
            .select_related("user")
            .first()
            if guest.participation_id
            else None
        )
        if participation is not None:
            event, _epoch = actions.end_participation(room, participation, actor)
            finish_write(room, event)
        if guest.invitation_id and guest.status == GuestStatus.APPROVED:
            invitation = guest.invitation
            if invitation.accepted_at is None and invitation.revoked_at is None:
                invitation.revoked_at, invitation.revoked_by = timezone.now(), actor
                invitation.save(update_fields=["revoked_at", "revoked_by"])
        guest.status, guest.ended_at, guest.ended_by = GuestStatus.ENDED, timezone.now(), actor
        guest.end_reason = reason
        guest.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        audit.record("messaging.guest_ended", actor=actor, target=guest, reason=reason)
    return guest


def admit_on_invitation(invitation, user) -> None:
    """An approved guest followed their invitation link and created their account."""
    guest = (
        RoomGuest.objects.select_for_update()
        .filter(invitation=invitation, status=GuestStatus.APPROVED)
        .first()
    )
    if guest is not None:
        admit(guest=guest, user=user)
