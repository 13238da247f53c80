"""Creating a network: operators only (`manage.py create_network`), then
`appoint_coordinator` names its first coordinator."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from network.audit.log import record
from network.models import Network
from network.vetting.actions import VettingError


def create_network(
    *,
    slug: str,
    name: str,
    working_languages: list[str],
    member_states: list[str],
    region: str = "",
    description: str = "",
    required_endorsements: int = 2,
    revetting_period_days: int = 365,
    directory_verification_days: int = 180,
    coordinators_require_webauthn: bool = False,
    admission: str = "sponsorship",
    seats_per_state: int = 2,
) -> Network:
    """An operator creates a network (then appoints its first coordinator)."""
    if Network.objects.filter(slug=slug).exists():
        raise VettingError(
            "already_member", _("A network with the slug %(slug)s exists.") % {"slug": slug}
        )
    network = Network(
        slug=slug,
        name=name,
        region=region,
        description=description,
        working_languages=working_languages,
        member_states=member_states,
        required_endorsements=required_endorsements,
        revetting_period_days=revetting_period_days,
        directory_verification_days=directory_verification_days,
        coordinators_require_webauthn=coordinators_require_webauthn,
        admission=admission,
        seats_per_state=seats_per_state,
    )
    try:
        network.full_clean()
    except ValidationError as error:
        messages = "; ".join(
            f"{field}: {' '.join(problems)}" for field, problems in error.message_dict.items()
        )
        raise VettingError("invalid_network", messages) from error
    with transaction.atomic():
        network.save()
        record(
            "network.created",
            target=network,
            details={
                "slug": slug,
                "member_states": member_states,
                "working_languages": working_languages,
                "required_endorsements": required_endorsements,
                "revetting_period_days": revetting_period_days,
                "coordinators_require_webauthn": coordinators_require_webauthn,
                "admission": admission,
                "seats_per_state": seats_per_state,
            },
        )
    return network
