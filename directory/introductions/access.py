"""The permission-checked getter: an introduction is seen by its requester and by whoever
may decide it (the broker, and the serving network's coordinators once it is theirs).
Unknown and forbidden look the same (404 `unknown_introduction`)."""

import uuid

from django.utils.translation import gettext as _

from directory.introductions.actions import may_decide
from directory.introductions.models import IntroductionRequest
from network.errors import DomainError


class UnknownIntroduction(DomainError):
    def __init__(self):
        super().__init__("unknown_introduction", _("No such introduction request."))


def may_see(user, introduction: IntroductionRequest) -> bool:
    return introduction.requester_id == user.pk or may_decide(user, introduction)


def get_introduction(user, pk) -> IntroductionRequest:
    try:
        parsed = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except (TypeError, ValueError) as exc:
        raise UnknownIntroduction() from exc
    introduction = (
        IntroductionRequest.objects.select_related(
            "requester", "contact_point", "contact_point__authority", "serving_network", "broker"
        )
        .filter(pk=parsed)
        .first()
    )
    if introduction is None or not may_see(user, introduction):
        raise UnknownIntroduction()
    return introduction


def introductions_for(user):
    """The requests `user` asked, and those `user` may decide now."""
    from directory.introductions.actions import may_decide as decides

    asked = list(
        IntroductionRequest.objects.filter(requester=user).select_related(
            "contact_point", "contact_point__authority", "serving_network"
        )
    )
    candidates = IntroductionRequest.objects.exclude(requester=user).select_related(
        "contact_point", "contact_point__authority", "serving_network", "requester"
    )
    to_decide = [i for i in candidates.filter(status="pending") if decides(user, i)]
    return asked, to_decide
