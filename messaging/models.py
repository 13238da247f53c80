"""Rooms, threads, messages and the room event log.

Primary keys that leave the server (rooms, threads, messages, attachments, events) are UUIDs
generated before the insert: they are opaque, and the associated data that binds a ciphertext
to its row can include the id.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EVALUATION_CODES = [f"{source}{info}" for source in "ABCX" for info in "1234"]


class RoomKind(models.TextChoices):
    CASE = "case", _("case room")
    NETWORK = "network", _("network channel")
    DIRECT = "direct", _("direct conversation")


class MessageHandling(models.TextChoices):
    H0 = "H0", _("H0: use only to prevent and combat crime within the network's purposes")
    H1 = "H1", _("H1: not for judicial proceedings without the provider's permission")
    H2 = "H2", _("H2: not to be disseminated without the provider's permission")
    H3 = "H3", _("H3: other restrictions stated by the provider")


class Room(models.Model):
    """A space for messages. `head_seq` is the last sequence number given to a room event."""

    Kind = RoomKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200, blank=True)
    network = models.ForeignKey(
        "network.Network",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rooms",
        help_text=_("The network of a network channel; the network context of a case room."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The networks whose members a room brings together when they have none in common (a
    # room opened by an introduction across networks, docs/trust.md); empty otherwise.
    networks = models.ManyToManyField("network.Network", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    head_seq = models.PositiveBigIntegerField(default=0)
    key_epoch = models.PositiveIntegerField(default=1)
    # The head_seq when the current epoch began: the events sealed under its key since then
    # are the count that renews the key (COUNTERPART_KEY_EPOCH_MAX_EVENTS).
    key_epoch_from = models.PositiveBigIntegerField(default=0)
    # What the composer starts with, and returns to after every send: a label is chosen for
    # each message, never carried over from the previous one. Set by an owner of the room.
    default_handling = models.CharField(
        _("default handling code"),
        max_length=2,
        choices=MessageHandling.choices,
        default=MessageHandling.H0,
    )
    # A closed case room is read-only (messaging/records/closure.py); its retention clock
    # starts then.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RoomKind.values), name="room_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="network") | Q(network__isnull=False),
                name="network_room_has_network",
            ),
            models.CheckConstraint(condition=Q(key_epoch__gte=1), name="room_key_epoch_positive"),
            models.CheckConstraint(
                condition=Q(default_handling__in=MessageHandling.values),
                name="room_default_handling_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.pk}"

    @property
    def has_participants(self) -> bool:
        return self.kind in (self.Kind.CASE, self.Kind.DIRECT)


def current_participation(relation: str = "") -> Q:
    """The condition of a participation that has not ended (its removal is recorded, the row
    stays): on RoomParticipant itself, or through `relation` (e.g. "participants") from
    another model."""
    return Q(**{f"{relation}{'__' if relation else ''}removed_at__isnull": True})


class RoomParticipantQuerySet(models.QuerySet):
    def current(self):
        return self.filter(current_participation())


class RoomParticipantRole(models.TextChoices):
    OWNER = "owner", _("owner")
    PARTICIPANT = "participant", _("participant")


class ParticipantCapacity(models.TextChoices):
    """In what capacity someone takes part in a case room. `support` (NGO, social or health
    services, labour inspectors) and `observer` (international organisations) read only the
    threads they are named readers of (messaging/access.py); the network's policy says which
    capacities its rooms may use (`Network.allowed_capacities`)."""

    OFFICIAL = "official", _("official")
    SUPPORT = "support", _("support")
    OBSERVER = "observer", _("observer")
    ADVISER = "adviser", _("adviser")


# Capacities that read only the threads they are named readers of, and pass nothing on.
LIMITED_CAPACITIES = (ParticipantCapacity.SUPPORT, ParticipantCapacity.OBSERVER)


class RoomParticipant(models.Model):
    """A member invited to a case or direct room. Removal records an end; rows stay."""

    Role = RoomParticipantRole
    Capacity = ParticipantCapacity

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="room_participations"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PARTICIPANT)
    capacity = models.CharField(max_length=16, choices=Capacity.choices, default=Capacity.OFFICIAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    # A room guest (messaging/guests): not a member of any network, admitted to this room
    # only, in the support capacity, until this day included (messaging/access.py).
    guest_until = models.DateField(null=True, blank=True)

    objects = RoomParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"],
                condition=current_participation(),
                name="one_current_participation",
            ),
            models.CheckConstraint(
                condition=Q(role__in=RoomParticipantRole.values), name="participant_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(capacity__in=ParticipantCapacity.values),
                name="participant_capacity_valid",
            ),
            models.CheckConstraint(
                condition=Q(guest_until__isnull=True) | Q(capacity="support", role="participant"),
                name="guest_is_support_participant",
            ),
        ]
        indexes = [
            # The guest branch of the access rule (messaging/access.py) reads the rooms'
            # current guests: few rows, found without reading the rooms' other participants.
            models.Index(
                fields=["room", "guest_until"],
                condition=Q(guest_until__isnull=False, removed_at__isnull=True),
                name="current_room_guests",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.room} ({self.role})"


class Thread(models.Model):
    """A topic inside a room, carrying case tags. A restricted thread is read only by its
    named readers (ThreadReader): its title, tags and events are hidden from the room's other
    participants (messaging/access.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    restricted = models.BooleanField(_("restricted"), default=False)
    # Victim-sensitive: restricted, and its composer starts with H2.
    victim_sensitive = models.BooleanField(_("victim-sensitive"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(victim_sensitive=False) | Q(restricted=True),
                name="victim_sensitive_thread_restricted",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ThreadReaderQuerySet(models.QuerySet):
    def current(self):
        return self.filter(removed_at__isnull=True)


class ThreadReader(models.Model):
    """A participant named to read a restricted thread. Removal records an end; rows stay."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="readers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads_read"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ThreadReaderQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"],
                condition=Q(removed_at__isnull=True),
                name="one_current_thread_reader",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} reads {self.thread_id}"


class CaseTagKind(models.TextChoices):
    CASE_NUMBER = "case_number", _("national case number")
    OPERATION = "operation", _("operation name")


class CaseTag(models.Model):
    """A national case number with its state, or an operation name."""

    Kind = CaseTagKind

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="tags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=2, blank=True)
    value = models.CharField(max_length=120)
    normalized = models.CharField(max_length=120, db_index=True)

    class Meta:
        ordering = ["kind", "state", "normalized"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CaseTagKind.values), name="case_tag_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="case_number") & ~Q(state=""))
                | (Q(kind="operation") & Q(state="")),
                name="case_tag_state_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["thread", "kind", "state", "normalized"], name="case_tag_once_per_thread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.value}" if self.state else self.value

    def as_dict(self) -> dict:
        return {"kind": self.kind, "state": self.state, "value": self.value}


class Message(models.Model):
    """A message of a room; the body is stored encrypted (see messaging/crypto.py)."""

    Handling = MessageHandling

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the unique (room, seq) and (room, sender, client_id): no index of its own.
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    client_id = models.UUIDField()
    body_ciphertext = models.BinaryField()
    key_epoch = models.PositiveIntegerField()
    # Keyed digest (HMAC) of the submitted content: a resend with the same client_id and a
    # different content is refused without decrypting anything.
    content_digest = models.CharField(max_length=64)
    handling_code = models.CharField(max_length=2, choices=Handling.choices, default=Handling.H0)
    handling_note = models.CharField(max_length=500, blank=True)
    evaluation = models.CharField(max_length=2, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    mentions = models.JSONField(
        default=list, blank=True, help_text=_("Ids of the members the sender mentions.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique_in_room"),
            models.UniqueConstraint(
                fields=["room", "sender", "client_id"], name="message_client_id_once"
            ),
            models.CheckConstraint(
                condition=Q(handling_code__in=MessageHandling.values),
                name="message_handling_valid",
            ),
            models.CheckConstraint(
                condition=~Q(handling_code="H3") | ~Q(handling_note=""),
                name="message_h3_has_note",
            ),
            models.CheckConstraint(
                condition=Q(evaluation="") | Q(evaluation__in=EVALUATION_CODES),
                name="message_evaluation_valid",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="message_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"message {self.seq} of {self.room_id}"


class MessageRevision(models.Model):
    """The body a message had before an edit. Every edit keeps one; none is ever changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body_ciphertext = models.BinaryField()
    key_epoch = models.PositiveIntegerField()
    written_at = models.DateTimeField(help_text=_("When this body was first stored."))
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of {self.message_id}"


class Attachment(models.Model):
    """A file attached to a message, stored encrypted; served only as a download."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The name the file was uploaded with, sealed like its content
    # (`crypto.open_attachment_name` opens it).
    filename_ciphertext = models.BinaryField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    content_ciphertext = models.BinaryField()
    key_epoch = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"attachment {self.pk}"


class ReadMarker(models.Model):
    """The last seq a member has read in a room; it only moves forward."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_read_marker"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.room_id} to {self.seq}"


class RoomKey(models.Model):
    """A room's data key for one epoch, wrapped by the master key `master_key_id`."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="keys")
    epoch = models.PositiveIntegerField()
    master_key_id = models.CharField(max_length=64, db_index=True)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "epoch"]
        constraints = [
            models.UniqueConstraint(fields=["room", "epoch"], name="room_key_epoch_unique"),
        ]

    def __str__(self) -> str:
        return f"key {self.epoch} of {self.room_id} under {self.master_key_id}"


class RoomEventKind(models.TextChoices):
    ROOM_CREATED = "room.created", _("room created")
    MESSAGE_POSTED = "message.posted", _("message posted")
    MESSAGE_EDITED = "message.edited", _("message edited")
    MESSAGE_DELETED = "message.deleted", _("message deleted")
    ATTACHMENT_ADDED = "attachment.added", _("attachment added")
    PARTICIPANT_ADDED = "participant.added", _("participant added")
    PARTICIPANT_REMOVED = "participant.removed", _("participant removed")
    THREAD_CREATED = "thread.created", _("thread created")
    DEFAULT_HANDLING_CHANGED = "room.default_handling_changed", _("default handling code changed")
    TRANSLATION_CHANGED = "translation.changed", _("translation shown beside a message changed")
    RECORD_REQUESTED = "record.requested", _("case-record export requested")
    RECORD_APPROVED = "record.approved", _("case-record export approved")
    RECORD_EXPORTED = "record.exported", _("case record exported")
    ROOM_CLOSED = "room.closed", _("case closed")
    JIT_CHANGED = "jit.changed", _("a JIT proposal of the room changed")
    THREAD_READER_ADDED = "thread.reader_added", _("reader added to a restricted thread")
    THREAD_READER_REMOVED = "thread.reader_removed", _("reader removed from a restricted thread")
    DISCLOSURE_REQUESTED = "disclosure.requested", _("provider's permission asked")
    DISCLOSURE_ANSWERED = "disclosure.answered", _("provider's permission answered")


class RoomEvent(models.Model):
    """One event of a room, numbered without gaps, and a leaf of the room's Merkle log.

    `commitment` = SHA-256(salt ‖ content) binds the leaf to the content without revealing
    it; the salt is stored encrypted. `details` holds only non-secret descriptions (ids,
    names) for events that are not messages.
    """

    Kind = RoomEventKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the unique (room, seq): no index of its own.
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    key_epoch = models.PositiveIntegerField()
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    details = models.JSONField(default=dict, blank=True)
    salt_ciphertext = models.BinaryField()
    commitment = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="room_event_seq_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=RoomEventKind.values),
                name="room_event_kind_valid",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="room_event_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} in {self.room_id}"


# Registered with this app; defined with the rule that uses it.
from messaging.disclosure.models import ItemReadGrant, PermissionRequest  # noqa: E402, F401

# Models of the messaging app's subpackages (their own modules, this app's tables).
from messaging.notifications.models import DigestMark  # noqa: E402, F401
