"""What an export covers: a whole case room, one thread, or every thread with one case tag,
optionally limited to a time range [since, until)."""

import datetime
import uuid
from dataclasses import dataclass

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from messaging.actions import normalize_tag
from messaging.models import CaseTag, Room, Thread
from messaging.records.errors import RecordError

ROOM, THREAD, TAG = "room", "thread", "tag"


@dataclass(frozen=True)
class Selection:
    scope: str
    thread_ids: frozenset | None = None  # None: the whole room
    thread: Thread | None = None
    tag: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None

    def covers_thread(self, thread_id) -> bool:
        return self.thread_ids is None or str(thread_id) in self.thread_ids

    def covers_time(self, moment: datetime.datetime) -> bool:
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )

    def describe(self) -> dict:
        return {
            "scope": self.scope,
            "thread": str(self.thread.pk) if self.thread else None,
            "tag": self.tag or None,
            "since": _utc(self.since),
            "until": _utc(self.until),
        }


def _utc(moment):
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def _moment(value, field: str) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value)) if isinstance(value, str) else None
        if moment is None:
            raise RecordError(
                "invalid_field", _("Give a date and time such as 2026-01-31T12:00Z."), field=field
            )
    if moment.tzinfo is None:
        raise RecordError("invalid_field", _("Give the time zone of the time."), field=field)
    return moment


def select(room: Room, *, thread=None, tag=None, since=None, until=None) -> Selection:
    """The selection, checked against `room`: a thread or tag of another room is refused."""
    since, until = _moment(since, "since"), _moment(until, "until")
    if since and until and since >= until:
        raise RecordError("invalid_field", _("The end must be after the start."), field="until")
    if thread not in (None, "") and tag not in (None, ""):
        raise RecordError(
            "invalid_field", _("Choose a thread or a case tag, not both."), field="tag"
        )
    if thread not in (None, ""):
        try:
            thread_id = uuid.UUID(str(thread))
        except ValueError:
            thread_id = None
        found = Thread.objects.filter(room=room, pk=thread_id).first() if thread_id else None
        if found is None:
            raise RecordError("unknown_thread", _("No such thread in this room."), field="thread")
        return Selection(THREAD, frozenset({str(found.pk)}), found, "", since, until)
    if tag not in (None, ""):
        normalized = normalize_tag(str(tag))
        ids = CaseTag.objects.filter(thread__room=room, normalized=normalized).values_list(
            "thread_id", flat=True
        )
        ids = frozenset(str(value) for value in ids)
        if not ids:
            raise RecordError("unknown_tag", _("No thread of this room has that tag."), field="tag")
        return Selection(TAG, ids, None, str(tag).strip(), since, until)
    return Selection(ROOM, None, None, "", since, until)
