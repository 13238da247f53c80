"""One representation of a contact point for a given viewer, shared by the card, the API,
the CSV export and the vCard: person-level fields are None unless the viewer sees them."""

from directory.competences import Competence
from directory.models import ContactPoint
from directory.visibility import Viewer
from network.iso import language_name, state_name

PERSON_LEVEL_FIELDS = (
    "kind",
    "name",
    "position",
    "phone",
    "email",
    "how_to_reach",
    "member_id",
    "verified_by",
    "message_url",
)


def message_url(contact_point: ContactPoint) -> str:
    """The messaging app's hook: open a room with the member this entry is linked to."""
    return f"/rooms/new/?contact_point={contact_point.pk}"


def authority_summary(authority, *, show_address: bool = True) -> dict:
    """`address` is "" where the viewer may not see it (Viewer.sees_address)."""
    return {
        "id": authority.pk,
        "name": authority.name,
        "type": authority.kind,
        "type_label": str(authority.get_kind_display()),
        "state": authority.state,
        "state_name": state_name(authority.state),
        "parent": (
            {"id": authority.parent_id, "name": authority.parent.name}
            if authority.parent_id
            else None
        ),
        "address": authority.address if show_address else "",
        "address_withheld": bool(authority.address) and not show_address,
        "website": authority.website,
    }


def present_contact_point(contact_point: ContactPoint, viewer: Viewer) -> dict:
    details = viewer.sees_details(contact_point)
    networks = list(contact_point.networks.all())
    entry = {
        "id": contact_point.pk,
        "url": contact_point.get_absolute_url(),
        "state": contact_point.state,
        "state_name": state_name(contact_point.state),
        "authority": authority_summary(
            contact_point.authority, show_address=viewer.sees_address(contact_point)
        ),
        "confidential": contact_point.confidential,
        "reachable_by_any_network": contact_point.reachable_by_any_network,
        "competences": [
            {"code": code, "label": str(Competence(code).label)}
            for code in contact_point.competence_codes
        ],
        "languages": [
            {
                "code": language.language,
                "name": language_name(language.language),
                "level_label": str(language.get_level_display()),
                "level": language.level,
            }
            for language in sorted(contact_point.languages.all(), key=lambda x: x.language)
        ],
        "availability": contact_point.availability,
        "office_hours": contact_point.office_hours,
        "time_zone": contact_point.time_zone,
        "request_languages": contact_point.request_languages,
        "request_language_names": [language_name(code) for code in contact_point.request_languages],
        "formal_requirements": contact_point.formal_requirements,
        "required_channel": contact_point.required_channel,
        "networks": [network.slug for network in networks],
        "verified_at": contact_point.verified_at,
        "stale": contact_point.stale,
        "details_visible": details,
        "details_visible_to": [network.name for network in networks],
    }
    person = dict.fromkeys(PERSON_LEVEL_FIELDS)
    if details:
        person.update(
            kind=contact_point.kind,
            name=contact_point.name,
            position=contact_point.position,
            phone=contact_point.phone,
            email=contact_point.email,
            how_to_reach=contact_point.how_to_reach,
            member_id=contact_point.member_id,
            verified_by=(
                contact_point.verified_by.display_name if contact_point.verified_by_id else None
            ),
            message_url=(
                message_url(contact_point)
                if contact_point.member_id and contact_point.member_id != viewer.user.pk
                else None
            ),
        )
    entry.update(person)
    return entry
