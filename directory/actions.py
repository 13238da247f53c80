"""Every write to the directory. Each action validates, writes in one transaction, records
the change on the entry's history and in the audit log, and sends mail after commit.
Bad input raises ValidationError (keyed by field where there is one); a forbidden action
raises PermissionDenied.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.competences import Competence
from directory.csv_format import RowError, parse_directory_csv
from directory.models import (
    Authority,
    ContactPoint,
    ContactPointChange,
    ContactPointCompetence,
    ContactPointLanguage,
    DirectoryCorrespondent,
    WrongEntryReport,
)
from directory.visibility import may_maintain
from network.audit.log import record
from network.iso import state_name, validate_language, validate_state
from network.membership import is_active_anywhere, is_active_member, is_coordinator
from network.models import Membership, Network
from network.origin import site_origin

MAX_REASON_LENGTH = 2000
# Fields a maintainer may correct; authority, networks and the member link are set on import.
CORRECTABLE_FIELDS = (
    "name",
    "position",
    "phone",
    "email",
    "availability",
    "office_hours",
    "time_zone",
    "how_to_reach",
    "request_languages",
    "formal_requirements",
    "required_channel",
)


def validate_competences(codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise ValidationError({"competences": _("Give at least one competence.")})
    unknown = [code for code in codes if code not in Competence.values]
    if unknown:
        raise ValidationError(
            {
                "competences": ngettext(
                    "Unknown competence: %(codes)s.",
                    "Unknown competences: %(codes)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(unknown)}
            }
        )
    return codes


def validate_spoken_languages(languages: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    result: dict[str, str] = {}
    for code, level in languages:
        try:
            validate_language(code)
        except ValidationError as exc:
            raise ValidationError({"languages": exc.messages}) from exc
        if level not in ContactPointLanguage.Level.values:
            raise ValidationError(
                {
                    "languages": _("%(level)s is not a language level (%(levels)s).")
                    % {"level": level, "levels": ", ".join(ContactPointLanguage.Level.values)}
                }
            )
        result[code] = level
    return list(result.items())


def _log_change(contact_point, kind, *, actor=None, changes=None, reason="") -> None:
    ContactPointChange.objects.create(
        contact_point=contact_point,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        changes=changes or {},
        reason=reason,
    )
    record(
        f"directory.contact_point.{kind}",
        actor=actor,
        target=contact_point,
        reason=reason,
        details={"fields": sorted((changes or {}).keys())} if changes else None,
    )


def _mark_verified(contact_point: ContactPoint, actor) -> None:
    contact_point.verified_at = timezone.now()
    contact_point.verified_by = actor if actor is not None and actor.pk else None
    contact_point.reconfirmation_requested_at = None
    contact_point.refresh_verification_due()


def _write_competences(contact_point, codes: list[str]) -> None:
    contact_point.competences.all().delete()
    ContactPointCompetence.objects.bulk_create(
        ContactPointCompetence(
            contact_point=contact_point, competence=code, state=contact_point.state
        )
        for code in codes
    )


def _write_languages(contact_point, languages: list[tuple[str, str]]) -> None:
    contact_point.languages.all().delete()
    ContactPointLanguage.objects.bulk_create(
        ContactPointLanguage(contact_point=contact_point, language=code, level=level)
        for code, level in languages
    )


@transaction.atomic
def create_authority(
    *,
    name: str,
    kind: str,
    state: str,
    parent: Authority | None = None,
    address: str = "",
    website: str = "",
    actor=None,
) -> Authority:
    authority = Authority(
        name=name.strip(),
        kind=kind,
        state=state,
        parent=parent,
        address=address,
        website=website,
    )
    authority.full_clean()
    authority.save()
    record("directory.authority.created", actor=actor, target=authority)
    return authority


@transaction.atomic
def create_contact_point(
    *,
    authority: Authority,
    kind: str,
    name: str,
    competences: Iterable[str],
    networks: Iterable[Network],
    languages: Iterable[tuple[str, str]] = (),
    position: str = "",
    phone: str = "",
    email: str = "",
    member=None,
    availability: str = ContactPoint.Availability.OFFICE_HOURS,
    office_hours: str = "",
    time_zone: str = "UTC",
    how_to_reach: str = "",
    request_languages: Iterable[str] = (),
    formal_requirements: str = "",
    required_channel: str = "",
    confidential: bool = False,
    reachable_by_any_network: bool = False,
    actor=None,
    change_kind: str = ContactPointChange.Kind.CREATED,
) -> ContactPoint:
    """A new entry, verified now by `actor` (who vouches for it by entering it)."""
    codes = validate_competences(competences)
    spoken = validate_spoken_languages(languages)
    networks = list(networks)
    if not networks:
        raise ValidationError({"networks": _("An entry serves at least one network.")})
    contact_point = ContactPoint(
        authority=authority,
        state=authority.state,
        kind=kind,
        name=name.strip(),
        position=position,
        phone=phone,
        email=email,
        member=member,
        availability=availability,
        office_hours=office_hours,
        time_zone=time_zone,
        how_to_reach=how_to_reach,
        confidential=confidential,
        reachable_by_any_network=reachable_by_any_network,
        request_languages=list(request_languages),
        formal_requirements=formal_requirements,
        required_channel=required_channel,
    )
    contact_point.refresh_search_text()
    contact_point.full_clean()
    contact_point.save()
    contact_point.networks.set(networks)
    _write_competences(contact_point, codes)
    _write_languages(contact_point, spoken)
    _mark_verified(contact_point, actor)
    contact_point.save(update_fields=["verified_at", "verified_by", "verification_due_at"])
    _log_change(contact_point, change_kind, actor=actor)
    return contact_point


@transaction.atomic
def confirm_contact_point(*, contact_point: ContactPoint, actor) -> ContactPoint:
    """The entry is still right: verified now, by `actor`."""
    if not may_maintain(actor, contact_point):
        raise PermissionDenied(_("You may not confirm this entry."))
    _mark_verified(contact_point, actor)
    contact_point.save(
        update_fields=[
            "verified_at",
            "verified_by",
            "verification_due_at",
            "reconfirmation_requested_at",
        ]
    )
    _log_change(contact_point, ContactPointChange.Kind.CONFIRMED, actor=actor)
    return contact_point


@transaction.atomic
def correct_contact_point(
    *,
    contact_point: ContactPoint,
    actor,
    fields: dict,
    competences: Iterable[str] | None = None,
    languages: Iterable[tuple[str, str]] | None = None,
) -> ContactPoint:
    """Correct and confirm in one step; with nothing changed it is a confirmation."""
    if not may_maintain(actor, contact_point):
        raise PermissionDenied(_("You may not correct this entry."))
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationError(
            _("These fields cannot be corrected here: %(names)s.") % {"names": names}
        )
    diff: dict[str, list] = {}
    for name, value in fields.items():
        old = getattr(contact_point, name)
        if old != value:
            diff[name] = [old, value]
            setattr(contact_point, name, value)
    if competences is not None:
        codes = validate_competences(competences)
        if sorted(codes) != contact_point.competence_codes:
            diff["competences"] = [contact_point.competence_codes, sorted(codes)]
            _write_competences(contact_point, codes)
    if languages is not None:
        spoken = validate_spoken_languages(languages)
        current = sorted((lang.language, lang.level) for lang in contact_point.languages.all())
        if sorted(spoken) != current:
            diff["languages"] = [[list(x) for x in current], [list(x) for x in sorted(spoken)]]
            _write_languages(contact_point, spoken)
    contact_point.refresh_search_text()
    contact_point.full_clean()
    _mark_verified(contact_point, actor)
    contact_point.save()
    kind = ContactPointChange.Kind.CORRECTED if diff else ContactPointChange.Kind.CONFIRMED
    _log_change(contact_point, kind, actor=actor, changes=diff)
    return contact_point


def _reconfirmation_recipients(contact_point: ContactPoint, network: Network) -> list[str]:
    recipients = []
    if contact_point.member_id and contact_point.member.is_active:
        recipients.append(contact_point.member.email)
    elif contact_point.email:
        recipients.append(contact_point.email)
    correspondent = (
        DirectoryCorrespondent.objects.filter(network=network, state=contact_point.state)
        .select_related("member")
        .first()
    )
    if correspondent and correspondent.member.email not in recipients:
        recipients.append(correspondent.member.email)
    return recipients


@transaction.atomic
def request_reconfirmation(
    *, contact_point: ContactPoint, network: Network, coordinator
) -> list[str]:
    """A coordinator asks the entry's member (or its address) and the state's correspondent
    to confirm or correct it. Returns the addresses written to."""
    if not is_coordinator(coordinator, network):
        raise PermissionDenied(_("Only the network's coordinators may ask for re-confirmation."))
    if not contact_point.networks.filter(pk=network.pk).exists():
        raise ValidationError(
            _("This entry does not serve %(network)s.") % {"network": network.name}
        )
    recipients = _reconfirmation_recipients(contact_point, network)
    if not recipients:
        raise ValidationError(
            _(
                "This entry has no linked member, no email and its state has no directory "
                "correspondent in this network: there is no one to ask."
            )
        )
    contact_point.reconfirmation_requested_at = timezone.now()
    contact_point.save(update_fields=["reconfirmation_requested_at"])
    _log_change(
        contact_point,
        ContactPointChange.Kind.RECONFIRMATION_REQUESTED,
        actor=coordinator,
        reason=f"{network.slug}: asked {', '.join(recipients)}",
    )
    transaction.on_commit(
        partial(
            send_mail,
            subject=f"[Counterpart] Please confirm the directory entry {contact_point.name}",
            message=(
                f"{coordinator.display_name}, coordinator of {network.name}, asks you to "
                f"confirm or correct the directory entry for {contact_point.name} "
                f"({contact_point.authority.name}, {contact_point.state}).\n\n"
                f"Open it at {site_origin()}{contact_point.get_absolute_url()}confirm/ and "
                "confirm it, or correct what changed, in one step."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    )
    return recipients


@transaction.atomic
def report_wrong_entry(*, contact_point: ContactPoint, reporter, reason: str) -> WrongEntryReport:
    """Any active member may flag an entry; the coordinators of the networks it serves are
    told by email and see it on their stale-entries page."""
    if not is_active_anywhere(reporter):
        raise PermissionDenied(_("Only active members may report a directory entry."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this entry.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(count)d characters.")
                % {"count": MAX_REASON_LENGTH}
            }
        )
    report = WrongEntryReport.objects.create(
        contact_point=contact_point, reporter=reporter, reason=reason
    )
    _log_change(
        contact_point, ContactPointChange.Kind.REPORTED_WRONG, actor=reporter, reason=reason
    )
    coordinators = list(
        Membership.objects.active()
        .filter(role=Membership.Role.COORDINATOR, network__in=contact_point.networks.all())
        .values_list("user__email", flat=True)
        .distinct()
    )
    if coordinators:
        transaction.on_commit(
            partial(
                send_mail,
                subject=f"[Counterpart] Directory entry reported wrong: {contact_point.name}",
                message=(
                    f"{reporter.display_name} reports the entry {contact_point.name} "
                    f"({contact_point.authority.name}, {contact_point.state}) as wrong:\n\n"
                    f"{reason}\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=coordinators,
            )
        )
    return report


@transaction.atomic
def resolve_report(*, report: WrongEntryReport, coordinator, resolution: str) -> WrongEntryReport:
    contact_point = report.contact_point
    if not any(is_coordinator(coordinator, n) for n in contact_point.networks.all()):
        raise PermissionDenied(
            _("Only a coordinator of a network the entry serves may resolve it.")
        )
    if not report.is_open:
        raise ValidationError(_("This report is already resolved."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the report was resolved.")})
    report.resolved_at = timezone.now()
    report.resolved_by = coordinator
    report.resolution = resolution
    report.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    _log_change(
        contact_point, ContactPointChange.Kind.REPORT_RESOLVED, actor=coordinator, reason=resolution
    )
    return report


@transaction.atomic
def appoint_correspondent(*, network: Network, state: str, member, coordinator):
    """Name (or replace) the network's directory correspondent for a state."""
    if not is_coordinator(coordinator, network):
        raise PermissionDenied(_("Only the network's coordinators may appoint correspondents."))
    validate_state(state)
    if network.member_states and state not in network.member_states:
        raise ValidationError(
            {
                "state": _("%(state)s is not a member state of %(network)s.")
                % {"state": state_name(state), "network": network.name}
            }
        )
    if not is_active_member(member, network):
        raise ValidationError(
            {
                "member": _("The correspondent must be an active member of %(network)s.")
                % {"network": network.name}
            }
        )
    correspondent, _created = DirectoryCorrespondent.objects.update_or_create(
        network=network,
        state=state,
        defaults={"member": member, "appointed_by": coordinator, "appointed_at": timezone.now()},
    )
    record(
        "directory.correspondent.appointed",
        actor=coordinator,
        target=correspondent,
        details={"network": network.slug, "state": state, "member": member.email},
    )
    return correspondent


def refresh_due_dates(network: Network) -> int:
    """After a network's verification period changes: recompute its entries' due dates."""
    count = 0
    for contact_point in ContactPoint.objects.filter(networks=network).prefetch_related("networks"):
        contact_point.refresh_verification_due()
        contact_point.save(update_fields=["verification_due_at"])
        count += 1
    return count


@dataclass
class ImportReport:
    rows: int
    errors: list[RowError]
    authorities_created: int = 0
    contact_points_created: int = 0

    @property
    def imported(self) -> bool:
        return bool(self.authorities_created or self.contact_points_created)


def import_directory(
    *, text: str, actor=None, coordinated: Iterable[Network] = (), only_valid: bool = False
) -> ImportReport:
    """Import a directory CSV in one transaction. Any bad row means nothing is imported,
    unless `only_valid` asks explicitly for the good rows. With `actor` (the upload page and
    API), every row must serve only networks in `coordinated` that the actor coordinates:
    the page and the API pass `network.vetting.access.coordinated_networks(request)`, the
    networks the request may act for (with the second factor each requires)."""
    allowed = None
    if actor is not None:
        allowed = [network for network in coordinated if is_coordinator(actor, network)]
        if not allowed:
            raise PermissionDenied(_("Only coordinators may import directory entries."))
    parsed = parse_directory_csv(text, coordinated=allowed)
    report = ImportReport(rows=parsed.rows, errors=parsed.errors)
    header_broken = any(error.line == 1 for error in parsed.errors)
    if header_broken or (parsed.errors and not only_valid):
        return report
    with transaction.atomic():
        created: dict[tuple[str, str], Authority] = {}

        def find(state: str, name: str) -> Authority:
            return created.get((state, name.casefold())) or Authority.objects.get(
                state=state, name__iexact=name
            )

        for planned in parsed.authorities:
            authority = create_authority(
                name=planned.name,
                kind=planned.kind,
                state=planned.state,
                parent=find(planned.state, planned.parent_name) if planned.parent_name else None,
                address=planned.address,
                website=planned.website,
                actor=actor,
            )
            created[(planned.state, planned.name.casefold())] = authority
        for planned in parsed.contact_points:
            create_contact_point(
                authority=find(planned.state, planned.authority_name),
                competences=planned.competences,
                languages=planned.languages,
                networks=planned.networks,
                actor=actor,
                change_kind=ContactPointChange.Kind.IMPORTED,
                **planned.fields,
            )
        report.authorities_created = len(parsed.authorities)
        report.contact_points_created = len(parsed.contact_points)
        record(
            "directory.imported",
            actor=actor,
            details={
                "rows": parsed.rows,
                "bad_rows": [error.line for error in parsed.errors],
                "authorities_created": report.authorities_created,
                "contact_points_created": report.contact_points_created,
            },
        )
    return report
