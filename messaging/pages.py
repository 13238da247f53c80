"""Queries behind the room pages: the room list with unread counts, a thread's messages with
their bodies opened, the members a creator may invite, and the case-tag search.

Reads only; every write goes through messaging/actions.py. Rooms are always reached through
messaging/access.py first.
"""

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from messaging import access, actions, crypto, posting
from messaging.models import (
    LIMITED_CAPACITIES,
    Attachment,
    CaseTag,
    Message,
    ReadMarker,
    Room,
    RoomEvent,
    RoomParticipant,
    Thread,
)
from messaging.rendering import render_markdown
from network.accounts.models import User
from network.membership import active_network_ids
from network.models import Membership

MESSAGES_PER_PAGE = 100
# A thread page shows its last 50 messages; earlier ones load as the reader scrolls up. Fewer
# than the fragments' limit: a room page's first load is kept small for phones on slow lines.
THREAD_PAGE_MESSAGES = 50
TAG_QUERY_MAX = 120
_STATE_PREFIX = re.compile(r"^\s*([A-Za-z]{2})\s*:\s*(.+)$")


def room_list(user) -> QuerySet[Room]:
    """The rooms `user` may read, newest activity first, in one query, annotated with
    `participant_count`, `last_activity` and `unread` (messages from others after the read
    marker that are not deleted)."""
    # Inside the message subquery: OuterRef("room") is the message's room.
    marker = ReadMarker.objects.filter(room=OuterRef("room"), user=user).values("seq")[:1]
    unread = (
        access.visible_messages(
            user, Message.objects.filter(room=OuterRef("pk"), deleted_at__isnull=True)
        )
        .filter(seq__gt=Coalesce(Subquery(marker), Value(0)))
        .exclude(sender=user)
        .order_by()
        .values("room")
        .annotate(total=Count("pk"))
        .values("total")
    )
    participants = (
        RoomParticipant.objects.current()
        .filter(room=OuterRef("pk"))
        .order_by()
        .values("room")
        .annotate(total=Count("pk"))
        .values("total")
    )
    network_members = (
        Membership.objects.active()
        .filter(network=OuterRef("network_id"))
        .order_by()
        .values("network")
        .annotate(total=Count("pk"))
        .values("total")
    )
    last_event = RoomEvent.objects.filter(room=OuterRef("pk"), seq=OuterRef("head_seq")).values(
        "occurred_at"
    )[:1]
    return (
        access.readable_rooms(user)
        .select_related("network")
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            participant_count=Case(
                When(
                    kind=Room.Kind.NETWORK,
                    then=Coalesce(Subquery(network_members, output_field=IntegerField()), 0),
                ),
                default=Coalesce(Subquery(participants, output_field=IntegerField()), 0),
            ),
            last_activity=Coalesce(Subquery(last_event), "created_at"),
        )
        .order_by("-last_activity", "-created_at")
    )


# --- One room ----------------------------------------------------------------------------


def current_participants(room: Room) -> list[RoomParticipant]:
    return list(RoomParticipant.objects.current().filter(room=room).select_related("user"))


def limited_readers_of(thread: Thread) -> list:
    """The participants in a support or observer capacity who read `thread`: those whom the
    provider of an H1 or H2 item of it may let read the item (messaging/disclosure)."""
    readers = access.thread_readers([thread.pk]).get(thread.pk, set())
    if not readers:
        return []
    return [
        participant.user
        for participant in RoomParticipant.objects.current()
        .filter(room_id=thread.room_id, user_id__in=readers, capacity__in=LIMITED_CAPACITIES)
        .select_related("user")
        .order_by("user__display_name")
    ]


def threads_of(room: Room, user) -> list[Thread]:
    """The threads of `room` that `user` may see (a restricted one only by its readers)."""
    return list(
        access.visible_threads(user, Thread.objects.filter(room=room))
        .prefetch_related("tags")
        .annotate(message_count=Count("messages", filter=Q(messages__deleted_at__isnull=True)))
        .order_by("created_at", "id")
    )


def get_thread(room: Room, thread_id, user) -> Thread | None:
    """A thread of `room` by id that `user` may see, or None for an unknown, hidden or
    malformed id."""
    try:
        return access.visible_threads(user, Thread.objects.prefetch_related("tags")).get(
            room=room, pk=str(thread_id)
        )
    except (Thread.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


@dataclass
class ShownMessage:
    """A message as a page shows it: the body opened and rendered, unless deleted."""

    message: Message
    html: str | None
    revision_count: int

    @property
    def deleted(self) -> bool:
        return self.message.deleted_at is not None

    def __getattr__(self, name):
        return getattr(self.message, name)


def _shown_messages() -> QuerySet[Message]:
    """Messages with what their rendering needs, in one query plus one for the files."""
    return (
        Message.objects.select_related("sender", "reply_to", "reply_to__sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .annotate(revision_count=Count("revisions"))
    )


def thread_messages(thread: Thread, user, *, before: int | None = None) -> tuple[list, bool]:
    """The last THREAD_PAGE_MESSAGES messages of `thread` that `user` may read (before seq
    `before`), oldest first, and whether earlier ones exist."""
    messages = access.visible_messages(user, _shown_messages().filter(thread=thread)).order_by(
        "-seq"
    )
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages[: THREAD_PAGE_MESSAGES + 1])
    more = len(page) > THREAD_PAGE_MESSAGES
    page = page[:THREAD_PAGE_MESSAGES]
    page.reverse()
    return [_shown(message) for message in page], more


def first_unread_seq(shown: list[ShownMessage], *, user, read_to: int) -> int | None:
    """The seq of the first shown message from someone else after `read_to` (the reader's
    marker before this visit): where the "New messages" divider goes."""
    for shown_message in shown:
        message = shown_message.message
        if message.seq > read_to and message.sender_id != user.pk and not message.deleted_at:
            return message.seq
    return None


def read_to(room: Room, user) -> int:
    """The last seq `user` has read in `room` (0 when never opened)."""
    marker = ReadMarker.objects.filter(room=room, user=user).values_list("seq", flat=True)
    return marker.first() or 0


def messages_by_id(room: Room, ids, user) -> list[ShownMessage]:
    """The messages of `room` among `ids` (at most MESSAGES_PER_PAGE; malformed ids are
    ignored), in seq order, rendered as a thread page shows them: what the live page fetches
    to show a message that a frame announced."""
    wanted = []
    for raw in list(ids)[:MESSAGES_PER_PAGE]:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    messages = access.visible_messages(user, _shown_messages()).filter(room=room, pk__in=wanted)
    messages = messages.order_by("seq")
    return [_shown(message) for message in messages]


def _shown(message: Message) -> ShownMessage:
    html = None if message.deleted_at else render_markdown(crypto.open_body(message))
    return ShownMessage(message=message, html=html, revision_count=message.revision_count)


def message_history(message: Message) -> list[dict]:
    """Every body the message had, oldest first, then the current one. Empty once deleted:
    a tombstone hides the body and its earlier versions from readers."""
    if message.deleted_at is not None:
        return []
    versions = [
        {
            "number": revision.number,
            "written_at": revision.written_at,
            "replaced_at": revision.replaced_at,
            "html": render_markdown(
                crypto.open_revision(revision, room_id=message.room_id, sender_id=message.sender_id)
            ),
        }
        for revision in message.revisions.order_by("number")
    ]
    versions.append(
        {
            "number": len(versions) + 1,
            "written_at": message.edited_at or message.created_at,
            "replaced_at": None,
            "html": render_markdown(crypto.open_body(message)),
        }
    )
    return versions


def get_message(room: Room, message_id, user) -> Message | None:
    try:
        messages = Message.objects.select_related("sender", "room", "thread")
        return access.visible_messages(user, messages).get(room=room, pk=str(message_id))
    except (Message.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def get_attachment(room: Room, attachment_id, user) -> Attachment | None:
    try:
        attachment = Attachment.objects.select_related("message__thread").get(
            room=room, pk=str(attachment_id), message__deleted_at__isnull=True
        )
    except (Attachment.DoesNotExist, ValidationError, ValueError, TypeError):
        return None
    return attachment if access.can_read_message(user, attachment.message) else None


# --- Invitations -------------------------------------------------------------------------


def invitable_members(user, *, network=None) -> QuerySet[User]:
    """Active members of the networks `user` is an active member of (of `network` only, when
    given), except `user`: the people `user` may invite to a room."""
    network_ids = set(active_network_ids(user))
    if network is not None:
        network_ids &= {network.pk}
    active = Membership.objects.active().filter(network_id__in=network_ids)
    shared = Q(pk__in=active.values("user_id"))
    if network is None and network_ids:
        # "Introduced to me": the other side of a live introduction grant, while active.
        from directory.introductions.grants import introduced_user_ids

        introduced = introduced_user_ids(user)
        if introduced:
            anywhere = Membership.objects.active().values("user_id")
            shared |= Q(pk__in=introduced) & Q(pk__in=anywhere)
    return (
        User.objects.filter(is_active=True)
        .filter(shared)
        .distinct()
        .exclude(pk=user.pk)
        .order_by("display_name", "pk")
    )


def invitable_to_room(room: Room, owner) -> QuerySet[User]:
    """Members an owner may invite to `room`: eligible for the room's network, not present."""
    present = RoomParticipant.objects.current().filter(room=room).values("user_id")
    return invitable_members(owner, network=room.network).exclude(pk__in=present)


# --- Case tags ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TagQuery:
    state: str
    normalized: str


def parse_tag_query(text: str) -> TagQuery:
    """`ES: DP 123/2025` (a case number with its state) or `DP 123/2025` / `Lantern` (any
    state, or an operation name). Raises ValueError with a message for the reader."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Enter a case number or an operation name.")
    if len(text) > TAG_QUERY_MAX:
        raise ValueError(f"A case tag is at most {TAG_QUERY_MAX} characters.")
    state = ""
    match = _STATE_PREFIX.match(text)
    if match:
        state, text = match.group(1).upper(), match.group(2)
    normalized = actions.normalize_tag(text)
    if not normalized:
        raise ValueError("A case tag needs letters or digits.")
    return TagQuery(state=state, normalized=normalized)


def threads_with_tag(user, query: TagQuery) -> list[Thread]:
    """Every thread carrying the tag, in the rooms `user` may read (two queries)."""
    tags = CaseTag.objects.filter(normalized=query.normalized)
    if query.state:
        tags = tags.filter(state=query.state)
    return list(
        access.readable_threads(user)
        .filter(pk__in=tags.values("thread_id"))
        .select_related("room")
        .prefetch_related("tags")
        .order_by("-created_at")
    )


# --- Posting from the composer -----------------------------------------------------------


def post_with_attachment(*, room: Room, sender, attachment=None, **message) -> posting.PostResult:
    """Post a message and its optional attachment in one transaction: a refused file leaves
    no message behind. A resend of the same client_id attaches nothing new."""
    with transaction.atomic():
        result = posting.post_message(room=room, sender=sender, **message)
        if attachment is not None and not result.duplicate:
            actions.add_attachment(
                message=result.message,
                uploader=sender,
                filename=attachment.name,
                content=attachment.read(),
            )
    return result
