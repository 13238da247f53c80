"""The directory's CSV format, shared by import and export (docs/directory.md lists the columns).

One row per contact point; its authority is named by state + institution name and created
when it is not yet in the directory (then `authority_type` is required). Lists inside a cell
are separated by ";", a spoken language is `code:level` (`es:native;en:working`).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.competences import Competence
from directory.models import Authority, ContactPoint, ContactPointLanguage
from network.accounts.models import User
from network.iso import language_names, state_names
from network.models import Network

COLUMNS = [
    "state",
    "authority",
    "authority_type",
    "parent_authority",
    "authority_address",
    "authority_website",
    "kind",
    "name",
    "position",
    "competences",
    "languages",
    "request_languages",
    "phone",
    "email",
    "member_email",
    "availability",
    "office_hours",
    "time_zone",
    "networks",
    "how_to_reach",
    "formal_requirements",
    "required_channel",
]
REQUIRED_COLUMNS = [
    "state",
    "authority",
    "authority_type",
    "kind",
    "name",
    "competences",
    "networks",
]
# Written by the export, ignored by the import, so an export can be imported elsewhere.
EXPORT_ONLY_COLUMNS = ["id", "verified_at", "stale", "details_visible"]
MAX_FILE_BYTES = 5 * 1024 * 1024
# First characters that make spreadsheets evaluate a cell (OWASP, CSV injection); the export
# prefixes such a cell with "'", which spreadsheets show as text and the import removes.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    value = (value or "").strip()
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA else value


@dataclass
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class PlannedAuthority:
    line: int
    state: str
    name: str
    kind: str
    parent_name: str
    address: str
    website: str


@dataclass
class PlannedContactPoint:
    line: int
    state: str
    authority_name: str
    fields: dict
    competences: list[str]
    languages: list[tuple[str, str]]
    networks: list[Network]


@dataclass
class ParsedFile:
    authorities: list[PlannedAuthority] = field(default_factory=list)
    contact_points: list[PlannedContactPoint] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def _split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


class _RowParser:
    """Validates rows one by one, remembering authorities and entries the file creates."""

    def __init__(self, coordinated: Iterable[Network] | None):
        self.coordinated = None if coordinated is None else {n.pk for n in coordinated}
        self.networks = {n.slug: n for n in Network.objects.all()}
        self.new_authorities: dict[tuple[str, str], PlannedAuthority] = {}
        self.seen_entries: dict[tuple[str, str, str], int] = {}

    def authority_exists(self, state: str, name: str) -> Authority | PlannedAuthority | None:
        if (state, name.casefold()) in self.new_authorities:
            return self.new_authorities[(state, name.casefold())]
        return Authority.objects.filter(state=state, name__iexact=name).first()

    def parse(self, line: int, row: dict) -> list:
        """Planned writes for a good row; raises ValidationError with the first reasons."""
        cell = {key: _cell(row.get(key)) for key in COLUMNS}
        state = cell["state"].upper()
        if state not in state_names():
            raise ValidationError(
                _("unknown state %(state)s") % {"state": cell["state"] or _("(empty)")}
            )
        if not cell["authority"]:
            raise ValidationError(_("authority is empty"))
        planned = []
        authority = self.authority_exists(state, cell["authority"])
        if authority is None:
            planned.append(self._plan_authority(line, state, cell))
        elif cell["authority_type"] and cell["authority_type"] != authority.kind:
            raise ValidationError(
                _("authority %(name)s (%(state)s) is already of type %(kind)s, not %(other)s")
                % {
                    "name": cell["authority"],
                    "state": state,
                    "kind": authority.kind,
                    "other": cell["authority_type"],
                }
            )
        planned.append(self._plan_contact_point(line, state, cell))
        return planned

    def _plan_authority(self, line: int, state: str, cell: dict) -> PlannedAuthority:
        kind = cell["authority_type"]
        if not kind:
            raise ValidationError(
                _("unknown authority %(name)s in %(state)s: give authority_type to create it")
                % {"name": cell["authority"], "state": state}
            )
        if kind not in Authority.Kind.values:
            raise ValidationError(_("unknown authority type %(kind)s") % {"kind": kind})
        parent = cell["parent_authority"]
        if parent and self.authority_exists(state, parent) is None:
            raise ValidationError(
                _("unknown parent authority %(name)s in %(state)s")
                % {"name": parent, "state": state}
            )
        candidate = Authority(
            name=cell["authority"],
            kind=kind,
            state=state,
            address=cell["authority_address"],
            website=cell["authority_website"],
        )
        candidate.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
        return PlannedAuthority(
            line,
            state,
            cell["authority"],
            kind,
            parent,
            cell["authority_address"],
            cell["authority_website"],
        )

    def _plan_contact_point(self, line: int, state: str, cell: dict) -> PlannedContactPoint:
        if not cell["name"]:
            raise ValidationError(_("name is empty"))
        key = (state, cell["authority"].casefold(), cell["name"].casefold())
        if key in self.seen_entries:
            raise ValidationError(
                _("duplicate: %(name)s at %(authority)s is already on line %(line)d")
                % {
                    "name": cell["name"],
                    "authority": cell["authority"],
                    "line": self.seen_entries[key],
                }
            )
        if ContactPoint.objects.filter(
            state=state, authority__name__iexact=cell["authority"], name__iexact=cell["name"]
        ).exists():
            raise ValidationError(
                _(
                    "duplicate: %(name)s at %(authority)s is already in the directory; "
                    "correct it on its card"
                )
                % {"name": cell["name"], "authority": cell["authority"]}
            )
        competences = _split(cell["competences"])
        if not competences:
            raise ValidationError(_("competences is empty"))
        for code in competences:
            if code not in Competence.values:
                raise ValidationError(_("unknown competence %(code)s") % {"code": code})
        languages = self.parse_languages(cell["languages"])
        request_languages = _split(cell["request_languages"])
        for code in request_languages:
            if code not in language_names():
                raise ValidationError(_("unknown request language %(code)s") % {"code": code})
        if cell["email"]:
            try:
                validate_email(cell["email"])
            except ValidationError as exc:
                raise ValidationError(_("bad email %(email)s") % {"email": cell["email"]}) from exc
        member = None
        if cell["member_email"]:
            member = User.objects.filter(email__iexact=cell["member_email"]).first()
            if member is None:
                raise ValidationError(
                    _("no member account with email %(email)s") % {"email": cell["member_email"]}
                )
        networks = self._networks(cell["networks"])
        fields = {
            "kind": cell["kind"] or ContactPoint.Kind.PERSON,
            "name": cell["name"],
            "position": cell["position"],
            "phone": cell["phone"],
            "email": cell["email"],
            "member": member,
            "availability": cell["availability"] or ContactPoint.Availability.OFFICE_HOURS,
            "office_hours": cell["office_hours"],
            "time_zone": cell["time_zone"] or "UTC",
            "how_to_reach": cell["how_to_reach"],
            "request_languages": request_languages,
            "formal_requirements": cell["formal_requirements"],
            "required_channel": cell["required_channel"],
        }
        candidate = ContactPoint(state=state, **fields)
        try:
            candidate.full_clean(
                exclude=["authority"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            if "phone" in getattr(exc, "message_dict", {}):
                raise ValidationError(
                    _("bad phone: %(reason)s") % {"reason": exc.message_dict["phone"][0]}
                ) from exc
            raise
        self.seen_entries[key] = line
        return PlannedContactPoint(
            line, state, cell["authority"], fields, competences, languages, networks
        )

    @staticmethod
    def parse_languages(cell: str) -> list[tuple[str, str]]:
        languages = []
        for part in _split(cell):
            code, _colon, level = part.partition(":")
            code, level = code.strip().lower(), (level.strip() or "working")
            if code not in language_names():
                raise ValidationError(_("unknown language %(code)s") % {"code": code})
            if level not in ContactPointLanguage.Level.values:
                raise ValidationError(_("unknown language level %(level)s") % {"level": level})
            languages.append((code, level))
        return languages

    def _networks(self, cell: str) -> list[Network]:
        slugs = _split(cell)
        if not slugs:
            raise ValidationError(_("networks is empty: an entry serves at least one network"))
        networks = []
        for slug in slugs:
            network = self.networks.get(slug)
            if network is None:
                raise ValidationError(_("unknown network %(slug)s") % {"slug": slug})
            if self.coordinated is not None and network.pk not in self.coordinated:
                raise ValidationError(_("you do not coordinate %(slug)s") % {"slug": slug})
            networks.append(network)
        return networks


def parse_directory_csv(text: str, *, coordinated: Iterable[Network] | None = None) -> ParsedFile:
    """Validate every row; good rows become planned writes, bad rows errors with line numbers.
    With `coordinated`, each row's networks must be among them (the uploader's)."""
    parsed = ParsedFile()
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        parsed.errors.append(
            RowError(
                1,
                ngettext("missing column: %(names)s", "missing columns: %(names)s", len(missing))
                % {"names": ", ".join(missing)},
            )
        )
    unknown = [name for name in header if name not in COLUMNS + EXPORT_ONLY_COLUMNS]
    if unknown:
        parsed.errors.append(
            RowError(
                1,
                ngettext("unknown column: %(names)s", "unknown columns: %(names)s", len(unknown))
                % {"names": ", ".join(unknown)},
            )
        )
    if parsed.errors:
        return parsed
    reader.fieldnames = header
    parser = _RowParser(coordinated)
    line = reader.line_num
    for row in reader:
        line_start, line = line + 1, reader.line_num
        parsed.rows += 1
        if None in row:
            parsed.errors.append(RowError(line_start, _("more cells than columns")))
            continue
        try:
            planned = parser.parse(line_start, row)
        except ValidationError as exc:
            parsed.errors.append(RowError(line_start, _messages(exc)))
            continue
        for item in planned:
            if isinstance(item, PlannedAuthority):
                parser.new_authorities[(item.state, item.name.casefold())] = item
                parsed.authorities.append(item)
            else:
                parsed.contact_points.append(item)
    if parsed.rows == 0:
        parsed.errors.append(RowError(1, _("the file has no rows")))
    return parsed


def decode_upload(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)d MiB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text.")) from exc


parse_languages = _RowParser.parse_languages
