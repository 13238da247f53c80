"""Times as a reader sees them: in the reader's time zone (their profile's), in the page's
language, with the zone named. One function for every page and every live fragment; the
browser then writes recent times relatively ("3 min ago") and keeps the absolute one on
hover and focus (messaging/static/messaging/times.js)."""

import datetime
import zoneinfo

from django.utils import formats, timezone
from django.utils.html import format_html


def reader_zone(user) -> datetime.tzinfo:
    """The reader's profile zone; the active zone when there is none (or it is unknown)."""
    name = getattr(user, "time_zone", "") if getattr(user, "is_authenticated", False) else ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def zone_label(local: datetime.datetime) -> str:
    """The zone's abbreviation (`WAT`, `CET`), else its offset (`UTC−05:00`)."""
    abbreviation = local.strftime("%Z")
    if abbreviation and abbreviation[0] not in "+-" and abbreviation != "UTC":
        return abbreviation
    offset = local.utcoffset() or datetime.timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def as_datetime(value) -> datetime.datetime | None:
    """A datetime from a datetime or an ISO 8601 text (as the API dictionaries hold)."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def absolute(value: datetime.datetime, zone: datetime.tzinfo) -> str:
    """`6 de diciembre de 2026 a las 07:07 UTC−05:00`: the page language's date format."""
    local = value.astimezone(zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {zone_label(local)}"


def time_element(value, user) -> str:
    """`<time>` with the instant in `datetime`, the absolute time as text, title and
    `data-absolute` (the script turns the text relative), focusable."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    shown = absolute(moment, reader_zone(user))
    return format_html(
        '<time class="when" datetime="{}" title="{}" data-absolute="{}" tabindex="0">{}</time>',
        moment.astimezone(datetime.UTC).isoformat(timespec="seconds"),
        shown,
        shown,
        shown,
    )
