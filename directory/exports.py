"""CSV export of a search result (the import format plus id, verified_at, stale) and vCard 4.0
(RFC 6350) of one contact point. Both go through `present_contact_point`, so what a viewer
may not see is blank in the CSV, and a vCard is refused before it is built."""

import csv
import io
from datetime import UTC

from directory.csv_format import COLUMNS, EXPORT_ONLY_COLUMNS, FORMULA
from directory.models import ContactPoint
from directory.presenting import present_contact_point
from directory.visibility import Viewer

MAX_EXPORT_ROWS = 5000


def _csv_row(entry: dict) -> dict:
    authority = entry["authority"]
    return {
        "id": entry["id"],
        "state": entry["state"],
        "authority": authority["name"],
        "authority_type": authority["type"],
        "parent_authority": authority["parent"]["name"] if authority["parent"] else "",
        "authority_address": authority["address"],
        "authority_website": authority["website"],
        "kind": entry["kind"] or "",
        "name": entry["name"] or "",
        "position": entry["position"] or "",
        "competences": ";".join(c["code"] for c in entry["competences"]),
        "languages": ";".join(f"{lang['code']}:{lang['level']}" for lang in entry["languages"]),
        "request_languages": ";".join(entry["request_languages"]),
        "phone": entry["phone"] or "",
        "email": entry["email"] or "",
        "member_email": "",
        "availability": entry["availability"],
        "office_hours": entry["office_hours"],
        "time_zone": entry["time_zone"],
        "networks": ";".join(entry["networks"]),
        "how_to_reach": entry["how_to_reach"] or "",
        "formal_requirements": entry["formal_requirements"],
        "required_channel": entry["required_channel"],
        "verified_at": entry["verified_at"].isoformat() if entry["verified_at"] else "",
        "stale": "yes" if entry["stale"] else "no",
        "details_visible": "yes" if entry["details_visible"] else "no",
    }


def _neutralise(row: dict) -> dict:
    """Spreadsheets run cells that start with = + - @, a tab or a carriage return as
    formulas: every such text cell gets a leading apostrophe, which spreadsheets show as text
    and the import removes. That includes the phone column: "'+573001234567" still reads as
    the number, and a phone that reached the database by any path cannot run."""
    return {
        key: f"'{value}" if isinstance(value, str) and value[:1] in FORMULA else value
        for key, value in row.items()
    }


def export_csv(contact_points, viewer: Viewer) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *COLUMNS, *EXPORT_ONLY_COLUMNS[1:]])
    writer.writeheader()
    for contact_point in contact_points[:MAX_EXPORT_ROWS]:
        writer.writerow(_neutralise(_csv_row(present_contact_point(contact_point, viewer))))
    return out.getvalue()


def _escape(value: str) -> str:
    """RFC 6350 §3.4 text escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 6350 §3.2: lines of at most 75 octets, continued with CRLF and a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def vcard(contact_point: ContactPoint, viewer: Viewer) -> str:
    """Call only for a viewer who sees the details (visibility.get_contact_point_with_details)."""
    entry = present_contact_point(contact_point, viewer)
    authority = entry["authority"]
    is_person = entry["kind"] == ContactPoint.Kind.PERSON
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"KIND:{'individual' if is_person else 'org'}",
        f"FN:{_escape(entry['name'])}",
        f"ORG:{_escape(authority['name'])}",
    ]
    if entry["position"]:
        lines.append(f"TITLE:{_escape(entry['position'])}")
    if entry["phone"]:
        lines.append(f"TEL;VALUE=uri;TYPE=work,voice:tel:{entry['phone']}")
    if entry["email"]:
        lines.append(f"EMAIL;TYPE=work:{entry['email']}")
    for index, language in enumerate(entry["languages"], start=1):
        lines.append(f"LANG;PREF={index}:{language['code']}")
    lines.append(f"ADR;TYPE=work:;;{_escape(authority['address'])};;;;{authority['state']}")
    if authority["website"]:
        lines.append(f"URL:{authority['website']}")
    lines.append(f"TZ:{entry['time_zone']}")
    competences = ", ".join(c["code"] for c in entry["competences"])
    note = f"Competences: {competences}."
    if entry["how_to_reach"]:
        note += f" How to reach: {entry['how_to_reach']}"
    lines.append(f"NOTE:{_escape(note)}")
    if entry["verified_at"]:
        lines.append(f"REV:{entry['verified_at'].astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append(f"UID:urn:counterpart:contact-point:{entry['id']}")
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)
