"""The e-mail digest: for each member, the rooms where a mention of them or an H2/H3 message
from someone else has waited unread for the quiet period, as counts and links."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from messaging import access
from messaging.models import Message, ReadMarker
from messaging.notifications.models import DigestMark
from network.accounts.models import User
from network.origin import site_origin

logger = logging.getLogger(__name__)
FLAGGED = ("H2", "H3")


@dataclass
class RoomDigest:
    room_id: str
    mentions: int = 0
    flagged: int = 0
    last_seq: int = 0


@dataclass
class Digest:
    user: User
    rooms: list[RoomDigest] = field(default_factory=list)


def waiting_messages(user: User, *, now: datetime):
    """Messages for `user`'s digest: from others, in rooms they may read, not deleted, after
    their read marker and their last digest of the room, mentioning them or marked H2/H3,
    and unread for the whole quiet period."""
    quiet = timedelta(minutes=settings.COUNTERPART_DIGEST_QUIET_MINUTES)
    read = ReadMarker.objects.filter(room=OuterRef("room"), user=user).values("seq")[:1]
    digested = DigestMark.objects.filter(room=OuterRef("room"), user=user).values("seq")[:1]
    return (
        Message.objects.filter(
            room__in=access.readable_rooms(user),
            deleted_at__isnull=True,
            created_at__lte=now - quiet,
        )
        .exclude(sender=user)
        .filter(Q(handling_code__in=FLAGGED) | _mentioning(user))
        .annotate(
            read_to=Coalesce(Subquery(read), Value(0)),
            digested_to=Coalesce(Subquery(digested), Value(0)),
        )
        .filter(seq__gt=F("read_to"))
        .filter(seq__gt=F("digested_to"))
    )


def _mentioning(user: User) -> Q:
    """Messages that mention `user`: exactly, where the database looks inside JSON arrays
    (PostgreSQL); else every message with a mention, which `digest_for` narrows."""
    if connection.features.supports_json_field_contains:
        return Q(mentions__contains=[user.pk])
    return ~Q(mentions=[])


def digest_for(user: User, *, now: datetime) -> Digest:
    digest = Digest(user=user)
    by_room: dict = {}
    rows = waiting_messages(user, now=now).values_list(
        "room_id", "seq", "handling_code", "mentions"
    )
    for room_id, seq, code, mentions in rows.order_by("room_id", "seq"):
        if code not in FLAGGED and user.pk not in (mentions or []):
            continue
        room = by_room.setdefault(room_id, RoomDigest(room_id=str(room_id)))
        room.last_seq = max(room.last_seq, seq)
        if user.pk in (mentions or []):
            room.mentions += 1
        if code in FLAGGED:
            room.flagged += 1
    digest.rooms = list(by_room.values())
    return digest


def send_digests(*, now: datetime) -> int:
    """Mail each member with something waiting; returns how many e-mails were sent."""
    sent = 0
    members = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    for user in members.iterator():
        digest = digest_for(user, now=now)
        if not digest.rooms:
            continue
        with transaction.atomic():
            for room in digest.rooms:
                DigestMark.objects.update_or_create(
                    room_id=room.room_id,
                    user=user,
                    defaults={"seq": room.last_seq, "sent_at": now},
                )
        # Marked first: a failure after this point loses one digest, never sends it twice.
        _email(digest)
        sent += 1
    return sent


def _email(digest: Digest) -> None:
    origin = site_origin()
    with translation.override(digest.user.preferred_language):
        lines = []
        for number, room in enumerate(digest.rooms, start=1):
            parts = []
            if room.mentions:
                parts.append(
                    ngettext("%(count)d mention of you", "%(count)d mentions of you", room.mentions)
                    % {"count": room.mentions}
                )
            if room.flagged:
                parts.append(
                    ngettext(
                        "%(count)d message marked H2 or H3",
                        "%(count)d messages marked H2 or H3",
                        room.flagged,
                    )
                    % {"count": room.flagged}
                )
            lines.append(
                _("Room %(number)d: %(what)s — %(link)s")
                % {
                    "number": number,
                    "what": ", ".join(parts),
                    "link": f"{origin}/rooms/{room.room_id}/",
                }
            )
        subject = _("Unread in your Counterpart rooms")
        body = (
            _("These rooms have messages waiting for you. Sign in to read them:")
            + "\n\n"
            + "\n".join(lines)
            + "\n"
        )
    try:
        send_mail(
            f"[Counterpart] {subject}", body, settings.DEFAULT_FROM_EMAIL, [digest.user.email]
        )
    except OSError:
        logger.exception("digest e-mail to user %s not sent", digest.user.pk)
