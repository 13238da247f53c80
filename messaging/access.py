"""Who may read which room: the only way views, API views and the consumer obtain a room.

- A case or direct room: a current participant who is an active member of some network; a
  case room tied to a network needs active membership of that network.
- A network channel: an active member of its network.
- A restricted thread of a room, and every item of it (messages, files, events): the room's
  readers who are its current named readers. Everyone else sees neither its title, its tags
  nor its events (`can_read_thread`, `visible_threads`, `visible_messages`,
  `restricted_readers`).
- A room guest (messaging/guests): a participant in the `support` capacity who need not be
  a member of any network, reading the room until their end date (`guest_until`) included.
  A guest's participation is read by this rule only, never by the members' one.
- A participant in a `support` or `observer` capacity (messaging.models.LIMITED_CAPACITIES)
  reads only the threads they are named readers of: for them an open thread is treated like
  a restricted one, on every path (the same functions). They pass nothing on: no invitation,
  no export (`may_export`), no translation request (`may_pass_on`). Nor do they read the
  items labelled H1 or H2 that someone else provided (`LIMITED_UNREADABLE`), even in their
  threads, unless that provider let them read the item (an `ItemReadGrant`,
  messaging/disclosure): those items are not passed to them.

Coordinators read nothing by virtue of their role. Unknown and forbidden rooms look the same.
"""

import uuid
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.models import (
    LIMITED_CAPACITIES,
    ItemReadGrant,
    Message,
    MessageHandling,
    Room,
    RoomParticipant,
    Thread,
    ThreadReader,
    current_participation,
)
from messaging.realtime.prepared import PreparedQuery
from network import membership
from network.accounts.models import User
from network.errors import DomainError
from network.models import Membership


class UnknownRoom(DomainError):
    """No room with that id that this user may read (unknown and forbidden look the same)."""

    def __init__(self, room_id=None):
        super().__init__("unknown_room", _("No such room."))
        self.room_id = room_id


# Items with these handling codes provided by someone else are unreadable to a participant in
# a limited capacity (support, observer).
LIMITED_UNREADABLE = (MessageHandling.H1, MessageHandling.H2)


def _parse_room_id(room_id) -> uuid.UUID | None:
    if isinstance(room_id, uuid.UUID):
        return room_id
    try:
        return uuid.UUID(str(room_id))
    except (TypeError, ValueError, AttributeError):
        return None


def readable_rooms(user) -> QuerySet[Room]:
    """Every room `user` may read now."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Room.objects.none()
    active = Membership.objects.active().filter(user=user)
    any_network = Exists(active)
    room_network = Exists(active.filter(network_id=OuterRef("network_id")))
    participations = RoomParticipant.objects.current().filter(room_id=OuterRef("pk"), user=user)
    participant = Exists(participations.filter(guest_until__isnull=True))
    guest = Exists(participations.filter(guest_until__gte=timezone.localdate()))
    return Room.objects.filter(
        Q(kind=Room.Kind.NETWORK, network__isnull=False) & room_network
        | Q(kind__in=[Room.Kind.CASE, Room.Kind.DIRECT], network__isnull=True)
        & participant
        & any_network
        | Q(kind__in=[Room.Kind.CASE, Room.Kind.DIRECT], network__isnull=False)
        & participant
        & room_network
        | Q(kind=Room.Kind.CASE) & guest
    )


def is_guest(user) -> bool:
    """Whether `user` is a current guest of some room (messaging/guests), until the end date."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and RoomParticipant.objects.current()
        .filter(user=user, guest_until__gte=timezone.localdate())
        .exists()
    )


def may_use_rooms(user) -> bool:
    """Whether `user` may use the rooms at all (their pages, the WebSocket): an active member
    of some network, or a current room guest (who then reaches their rooms only)."""
    return membership.is_active_anywhere(user) or is_guest(user)


def get_room_for_member(user, room_id) -> Room:
    """The room `room_id` if `user` may read it now; else UnknownRoom (indexed look-ups)."""
    parsed = _parse_room_id(room_id)
    if parsed is None:
        raise UnknownRoom(room_id)
    room = Room.objects.select_related("network").filter(pk=parsed).first()
    if room is None or not can_read(user, room):
        raise UnknownRoom(room_id)
    return room


def can_read(user, room: Room) -> bool:
    """The rule of `readable_rooms` for one room and one person (one indexed query)."""
    return user_pk(user) in users_who_can_read(room, [user])


def user_pk(user) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def users_who_can_read(room: Room | dict, users) -> set[int]:
    """Ids of those of `users` (signed-in, active accounts) who may read `room` now."""
    return users_who_can_read_in([(room, users)])()[0]


def users_who_can_read_in(requests) -> Callable[[], list[set[int]]]:
    """For each (room, users) of `requests`: the ids of those of the users (signed-in, active
    accounts) who may read the room now, or with users None (a case or direct room) the ids of
    everyone who may; `users_with_access_in`, sent now and read when called."""
    return users_with_access_in(
        [
            (
                room,
                None
                if users is None
                else {user.pk for user in users if user_pk(user) is not None and user.is_active},
            )
            for room, users in requests
        ]
    )


def users_with_access(room: Room | dict, user_ids) -> set[int]:
    """Of `user_ids`, those who may read `room` now (one query): the rule of
    `readable_rooms`, for one room and many people."""
    return users_with_access_in([(room, user_ids)])()[0]


def users_with_access_in(requests) -> Callable[[], list[set[int]]]:
    """For each (room, user ids) of `requests`: those of the ids who may read the room now;
    for user ids None (a case or direct room, whose readers are among its participants):
    everyone who may.

    The rule of `readable_rooms` for many rooms and many people in at most three queries,
    whatever the number of rooms: one for the network channels, one for the case and direct
    rooms, one for the rooms asked for all their readers, each compiled once per shape
    (prepared.py). The queries are sent now and the answer is read when called (to send them
    with others: prepared.together)."""
    wanted = [
        (_room_fields(room), None if user_ids is None else set(user_ids))
        for room, user_ids in requests
    ]
    if any(ids is None and kind == Room.Kind.NETWORK for (_, kind, _), ids in wanted):
        raise ValueError("the readers of a network channel are its network's active members")
    users = sorted({user for _, user_ids in wanted for user in user_ids or ()})
    networks = sorted(
        {network for (_, kind, network), ids in wanted if ids and kind == Room.Kind.NETWORK}
        - {None}
    )
    rooms = sorted({room for (room, kind, _), ids in wanted if ids and kind != Room.Kind.NETWORK})
    everyone = sorted({room for (room, _, _), ids in wanted if ids is None} - {None})
    today = timezone.localdate()
    by_network = networks and _network_readers.execute(today, networks=networks, users=users)
    by_room = rooms and _participant_readers.execute(today, rooms=rooms, users=users)
    by_all = everyone and _participant_readers.execute(today, rooms=everyone)

    def answer() -> list[set[int]]:
        readers: dict = {}
        for key, user in by_network.fetch() if by_network else []:
            readers.setdefault(key, set()).add(user)
        for key, user, capacity in by_room.fetch() if by_room else []:
            found = readers.setdefault(key, Readers())
            found.add(user)
            if capacity in LIMITED_CAPACITIES:
                found.limited.add(user)
        all_readers: dict = {}
        for room, user, capacity in by_all.fetch() if by_all else []:
            found = all_readers.setdefault(room, Readers())
            found.add(user)
            if capacity in LIMITED_CAPACITIES:
                found.limited.add(user)
        return [
            all_readers.get(room, Readers())
            if user_ids is None
            else _among(user_ids, readers.get(network if kind == Room.Kind.NETWORK else room))
            for (room, kind, network), user_ids in wanted
        ]

    return answer


def _among(user_ids: set, readers) -> set:
    """Those of `user_ids` among `readers` (keeping who of them is in a limited capacity)."""
    if readers is None:
        return set()
    if isinstance(readers, Readers):
        found = Readers(user_ids & readers)
        found.limited = readers.limited & user_ids
        return found
    return user_ids & readers


class Readers(set):
    """All the readers of a case or direct room, with `limited`: those of them who take part
    in a limited capacity (support, observer) and read only the threads they are named
    readers of."""

    def __init__(self, *args):
        super().__init__(*args)
        self.limited: set[int] = set()

    @property
    def of_open_threads(self) -> set[int]:
        """Those who read every open thread of the room."""
        return set(self) - self.limited


def _room_fields(room: Room | dict) -> tuple[uuid.UUID | None, str, int | None]:
    if isinstance(room, dict):
        return _parse_room_id(room["id"]), room["kind"], room["network_id"]
    return room.pk, room.kind, room.network_id


def _active_member(user, **network):
    return Membership.objects.active().filter(user_id=user, **network)


# Active members of networks: (network id, user id).
_network_readers = PreparedQuery(
    lambda networks, users: (
        Membership.objects.active()
        .filter(network_id__in=networks, user_id__in=users)
        .values_list("network_id", "user_id")
        .order_by()
    )
)


def _participants_who_read(rooms, users=None) -> QuerySet:
    """The participants of case and direct rooms with an active membership of the room's
    network, or of any network if the room has none (of `users` only, if given): (room id,
    user id).

    From the rooms, by their ids, to their participants: PostgreSQL looks the rooms up in
    their primary key. (From the participants, joined to the rooms for their networks, it
    hashed the whole room table for every call: 0.5 ms with 2,000 rooms, growing with them.)
    The membership test is one EXISTS, whose condition names the room's network or its
    absence, which PostgreSQL plans as a semi-join; two EXISTS joined by OR cannot be one,
    and the planner hashed the whole membership table for each batch (35 ms per call once
    the benchmark's database held 15,000 members). A room without participants comes out
    of the join with none, which the EXISTS drops."""
    participation = current_participation("participants") & Q(
        participants__guest_until__isnull=True
    )
    if users is not None:
        participation &= Q(participants__user_id__in=users)
    network = OuterRef("network_id")
    members = (
        Room.objects.filter(
            participation,
            Exists(
                _active_member(OuterRef("participants__user_id")).filter(
                    IsNull(network, True) | Q(network_id=network)
                )
            ),
            pk__in=rooms,
        )
        # With their capacity, to tell those in a limited one (`Readers`).
        .values_list("id", "participants__user_id", "participants__capacity")
        .order_by()
    )
    # The rooms' guests until their end date (messaging/guests): active accounts, no
    # membership asked. The room's primary key leads to its participants, as above.
    # Active accounts: each guest's account looked up by its key (a scalar subquery, which
    # PostgreSQL runs per guest row; a join or EXISTS it hashed over every account).
    active = Subquery(User.objects.filter(pk=OuterRef("user_id")).values("is_active")[:1])
    guests = RoomParticipant.objects.annotate(active=active).filter(
        current_participation(),
        active=True,
        room_id__in=rooms,
        guest_until__gte=timezone.localdate(),
        **({} if users is None else {"user_id__in": users}),
    )
    return members.union(guests.values_list("room_id", "user_id", "capacity").order_by(), all=True)


# With users or without (all readers): two shapes of one query.
_participant_readers = PreparedQuery(_participants_who_read)


def is_owner(user, room: Room) -> bool:
    return (
        room.has_participants
        and RoomParticipant.objects.current()
        .filter(room=room, user=user, role=RoomParticipant.Role.OWNER)
        .exists()
    )


def _reads_thread(user, thread_ref: str = "pk"):
    return Exists(
        ThreadReader.objects.current().filter(thread_id=OuterRef(thread_ref), user_id=user_pk(user))
    )


def _limited_in(user, room_ref: str):
    """Whether `user` takes part in the room `room_ref` (an outer reference) in a limited
    capacity (support, observer): then they read only the threads they are readers of."""
    return Exists(
        RoomParticipant.objects.current().filter(
            room_id=OuterRef(room_ref), user_id=user_pk(user), capacity__in=LIMITED_CAPACITIES
        )
    )


def visible_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Of `threads`, those `user` may see: open ones (unless they take part in the room in a
    limited capacity), and the ones they are named readers of."""
    return threads.filter(Q(restricted=False) & ~_limited_in(user, "room_id") | _reads_thread(user))


def visible_messages(user, messages: QuerySet) -> QuerySet:
    """Of `messages`, those in threads `user` may see, but for the H1 and H2 items of others
    if `user` takes part in the room in a limited capacity (unless its provider let them)."""
    return messages.filter(
        Q(thread__restricted=False) & ~_limited_in(user, "room_id")
        | _reads_thread(user, "thread_id")
    ).filter(
        ~(Q(handling_code__in=LIMITED_UNREADABLE) & _limited_in(user, "room_id"))
        | Q(sender_id=user_pk(user))
        | Exists(ItemReadGrant.objects.filter(message_id=OuterRef("pk"), user_id=user_pk(user)))
    )


def read_grants(message_ids) -> dict:
    """Who was let read each of `message_ids` in a limited capacity, by message id (one
    query)."""
    granted: dict = {}
    for message, user in ItemReadGrant.objects.filter(message_id__in=list(message_ids)).values_list(
        "message_id", "user_id"
    ):
        granted.setdefault(message, set()).add(user)
    return granted


def readable_threads(user) -> QuerySet[Thread]:
    return visible_threads(user, Thread.objects.filter(room__in=readable_rooms(user)))


def limited_participants(room_ids) -> dict:
    """The participants in a limited capacity (support, observer), by room id (one query)."""
    limited: dict = {}
    for room, user in (
        RoomParticipant.objects.current()
        .filter(room_id__in=list(room_ids), capacity__in=LIMITED_CAPACITIES)
        .values_list("room_id", "user_id")
    ):
        limited.setdefault(room, set()).add(user)
    return limited


def is_limited(user, room: Room) -> bool:
    """Whether `user` takes part in `room` in a limited capacity (support, observer)."""
    return user_pk(user) in limited_participants([room.pk]).get(room.pk, set())


def reads_whole_room(user, room: Room) -> bool:
    """Whether `user` reads `room` in full: a reader of it who takes part in no limited
    capacity. What concerns the whole case (its JIT proposals, its case records) is theirs
    only; a support or observer participant reads just the threads named to them."""
    return can_read(user, room) and not is_limited(user, room)


def full_readers_rooms(user) -> QuerySet[Room]:
    """The rooms `user` reads in full (`reads_whole_room`), as a QuerySet."""
    limited = RoomParticipant.objects.current().filter(
        user_id=user_pk(user), capacity__in=LIMITED_CAPACITIES
    )
    return readable_rooms(user).exclude(pk__in=limited.values("room_id"))


def capacity_of(user, room: Room) -> str | None:
    """The capacity in which `user` currently takes part in `room`, or None."""
    return (
        RoomParticipant.objects.current()
        .filter(room=room, user_id=user_pk(user))
        .values_list("capacity", flat=True)
        .first()
    )


def may_pass_on(user, room: Room) -> bool:
    """Whether `user` may pass items of `room` on at all (invite, export, ask for
    translations): a reader of the room who does not take part in a limited capacity."""
    return can_read(user, room) and not is_limited(user, room)


def may_export(user, room: Room) -> bool:
    """Whether `user` may export `room`'s case record (each item then still answers
    `disclosure.rule.export_permitted`): not a participant in a limited capacity."""
    return may_pass_on(user, room)


def can_read_thread(user, thread: Thread) -> bool:
    """Whether `user` may read `thread` now: a reader of its room and, if it is restricted
    or they take part in a limited capacity, one of its current named readers."""
    if not can_read(user, thread.room):
        return False
    if not thread.restricted and not is_limited(user, thread.room):
        return True
    return user_pk(user) in thread_readers([thread.pk]).get(thread.pk, set())


def thread_readers(thread_ids) -> dict:
    """The current readers of restricted threads, by thread id (one query)."""
    readers: dict = {}
    for thread, user in (
        ThreadReader.objects.current()
        .filter(thread_id__in=list(thread_ids))
        .values_list("thread_id", "user_id")
    ):
        readers.setdefault(thread, set()).add(user)
    return readers


class AllBut:
    """Everyone but `excluded` (`in` answers accordingly)."""

    def __init__(self, excluded):
        self.excluded = set(excluded)

    def __contains__(self, user) -> bool:
        return user not in self.excluded


def restricted_readers(events, limited: dict | None = None) -> dict:
    """For room events of restricted threads (those whose details name one: `restricted`),
    the ids of who may read each, by seq; for events of open threads in rooms with
    participants in a limited capacity, everyone but those of them who are not the thread's
    readers (`AllBut`); in such rooms, the events of H1 and H2 items are also kept from those
    of them who did not provide the item; the other events are absent. Queries: one for the
    limited participants of the events' rooms, one for the messages of the events in rooms
    with such participants, and one for the threads' readers if needed."""
    marked = {event.seq: event.details.get("restricted") for event in events if event.details}
    marked = {seq: thread for seq, thread in marked.items() if thread}
    if limited is None:
        rooms = {event.room_id for event in events}
        limited = limited_participants(rooms) if rooms else {}
    limited = {room: users for room, users in limited.items() if users}
    open_events = {}
    unreadable: dict = {}  # seq: those in a limited capacity who may not read the item
    if limited:
        candidates = [e for e in events if e.room_id in limited]
        messages = {
            pk: (thread, code, sender)
            for pk, thread, code, sender in Message.objects.filter(
                pk__in=[e.message_id for e in candidates if e.message_id is not None]
            ).values_list("pk", "thread_id", "handling_code", "sender_id")
        }
        protected = [pk for pk, (_, code, _) in messages.items() if code in LIMITED_UNREADABLE]
        granted = read_grants(protected) if protected else {}
        for event in candidates:
            found = messages.get(event.message_id) if event.message_id is not None else None
            if found is not None and found[1] in LIMITED_UNREADABLE:
                unreadable[event.seq] = (
                    limited[event.room_id] - {found[2]} - granted.get(event.message_id, set())
                )
            if event.seq in marked:
                continue
            thread = found[0] if found is not None else (event.details or {}).get("thread")
            if thread is not None:
                open_events[event.seq] = (event.room_id, uuid.UUID(str(thread)))
    if not marked and not open_events:
        return {}
    readers = thread_readers(
        {uuid.UUID(str(thread)) for thread in marked.values()}
        | {thread for _, thread in open_events.values()}
    )
    only: dict = {
        seq: readers.get(uuid.UUID(str(thread)), set()) - unreadable.get(seq, set())
        for seq, thread in marked.items()
    }
    for seq, (room, thread) in open_events.items():
        excluded = (limited[room] - readers.get(thread, set())) | unreadable.get(seq, set())
        if excluded:
            only[seq] = AllBut(excluded)
    return only


def restricted_mark(thread: Thread | None) -> dict:
    """What the details of an event of `thread` carry so that every path can tell it is of a
    restricted thread (`restricted_readers`)."""
    if thread is None or not thread.restricted:
        return {}
    return {"restricted": str(thread.pk)}


def can_read_message(user, message) -> bool:
    """Whether `user` may read `message` now: the one rule for an item of a room (its room's
    rule, and its thread's), used wherever an item is shown or passed on
    (messaging/disclosure)."""
    if not (
        can_read_thread(user, message.thread) if message.thread_id else can_read(user, message.room)
    ):
        return False
    return not (
        message.handling_code in LIMITED_UNREADABLE
        and message.sender_id != user_pk(user)
        and is_limited(user, message.room)
        and not ItemReadGrant.objects.filter(message=message, user_id=user_pk(user)).exists()
    )


def message_readers(message, user_ids) -> set[int]:
    """Of `user_ids`, those who may read `message` now (the rule of `can_read_message`)."""
    readers = users_with_access(message.room, set(user_ids))
    limited = limited_participants([message.room_id]).get(message.room_id, set())
    if message.thread.restricted:
        readers &= thread_readers([message.thread_id]).get(message.thread_id, set())
    elif readers & limited:
        readers -= limited - thread_readers([message.thread_id]).get(message.thread_id, set())
    if message.handling_code in LIMITED_UNREADABLE:
        granted = read_grants([message.pk]).get(message.pk, set())
        readers -= limited - {message.sender_id} - granted
    return readers


def readable_message(user, message_id):
    """The message `message_id`, not deleted, if `user` may read it now; else None."""
    parsed = _parse_room_id(message_id)
    if parsed is None:
        return None
    message = (
        Message.objects.filter(pk=parsed, deleted_at__isnull=True)
        .select_related("room", "sender", "thread")
        .first()
    )
    if message is None or not can_read_message(user, message):
        return None
    return message
