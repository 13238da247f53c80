"""Asking for, brokering, accepting, declining and escalating introductions. Views, API
views and the escalation command are thin over these functions."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.competences import Competence
from directory.introductions import notifications
from directory.introductions.models import (
    PURPOSE_MAX,
    REASON_MAX,
    BrokerRole,
    IntroductionGrant,
    IntroductionRequest,
    NoticeKind,
    Urgency,
)
from directory.models import Authority, ContactPoint, DirectoryCorrespondent
from directory.visibility import viewer_for
from messaging.times import absolute, reader_zone
from network.audit.log import record
from network.errors import DomainError
from network.membership import active_network_ids, is_coordinator
from network.models import Membership, Network

GRANT_DAYS = 180
ROUTINE_WORKING_DAYS = 3
URGENT_HOURS = 24
PER_DAY = 10


class IntroductionError(DomainError):
    pass


def _text(value, field: str, max_length: int, *, required: bool) -> str:
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value.strip()
    if required and not value:
        raise IntroductionError("field_required", _("This field is required."), field=field)
    if len(value) > max_length:
        raise IntroductionError(
            "field_too_long",
            _("At most %(count)d characters.") % {"count": max_length},
            field=field,
        )
    return value


def escalation_time(start, urgency: str):
    """3 working days (Monday to Friday) after `start`, or 24 hours when urgent."""
    if urgency == Urgency.URGENT:
        return start + timedelta(hours=URGENT_HOURS)
    moment, left = start, ROUTINE_WORKING_DAYS
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def coordinators(network: Network):
    return [
        m.user
        for m in Membership.objects.active()
        .filter(network=network, role=Membership.Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
    ]


def route(contact_point: ContactPoint):
    """(broker or None, role, serving network) for an entry, or None when no one brokers it:
    the linked member, else a serving network's directory correspondent for the entry's
    state, else that network's coordinators."""
    networks = sorted(contact_point.networks.all(), key=lambda n: n.pk)
    if contact_point.member_id:
        linked = active_network_ids(contact_point.member) & {n.pk for n in networks}
        for network in networks:
            if network.pk in linked:
                return contact_point.member, BrokerRole.LINKED_MEMBER, network
    for network in networks:
        correspondent = (
            DirectoryCorrespondent.objects.filter(network=network, state=contact_point.state)
            .select_related("member")
            .first()
        )
        if correspondent and network.pk in active_network_ids(correspondent.member):
            return correspondent.member, BrokerRole.CORRESPONDENT, network
    for network in networks:
        if coordinators(network):
            return None, BrokerRole.COORDINATOR, network
    return None


def central_authority(state: str) -> Authority | None:
    return (
        Authority.objects.filter(state=state, kind=Authority.Kind.MLA_CENTRAL_AUTHORITY)
        .order_by("pk")
        .first()
    )


def request_introduction(
    *, requester, contact_point: ContactPoint, purpose, competence, urgency=Urgency.ROUTINE
) -> IntroductionRequest:
    viewer = viewer_for(requester)
    if not viewer.is_member:
        raise IntroductionError(
            "not_active_member", _("Only active members of a network may ask for introductions.")
        )
    purpose = _text(purpose, "purpose", PURPOSE_MAX, required=True)
    competence = _text(competence, "competence", 60, required=True)
    if competence not in Competence.values:
        raise IntroductionError(
            "invalid_field", _("Choose a competence from the list."), field="competence"
        )
    if urgency not in Urgency.values:
        raise IntroductionError(
            "invalid_field", _("Urgency is routine or urgent."), field="urgency"
        )
    if contact_point.member_id == requester.pk:
        raise IntroductionError("own_entry", _("This entry is linked to your own account."))
    if viewer.sees_details(contact_point):
        raise IntroductionError(
            "already_visible",
            _("You already see this entry's details: contact it directly."),
        )
    _refuse_if_pending(requester, contact_point)
    since = timezone.now() - timedelta(days=1)
    if (
        IntroductionRequest.objects.filter(requester=requester, created_at__gte=since).count()
        >= PER_DAY
    ):
        raise IntroductionError(
            "rate_limited",
            _("You have asked for %(count)d introductions in the last 24 hours; try tomorrow.")
            % {"count": PER_DAY},
        )
    routed = route(contact_point)
    if routed is None:
        authority = central_authority(contact_point.state)
        message = _("No one can broker an introduction to this entry.")
        details = None
        if authority is not None:
            message += " " + _("Try the state's central authority: %(name)s.") % {
                "name": authority.name
            }
            details = {"central_authority": {"id": authority.pk, "name": authority.name}}
        raise IntroductionError("no_broker", message, details=details)
    broker, role, serving = routed
    if broker is not None and broker.pk == requester.pk:
        raise IntroductionError("own_entry", _("You would be asking yourself."))
    own_networks = sorted(viewer.network_ids)
    now = timezone.now()
    try:
        with transaction.atomic():
            introduction = _create_request(
                requester=requester,
                requester_network_id=own_networks[0],
                contact_point=contact_point,
                serving_network=serving,
                purpose=purpose,
                competence=competence,
                urgency=urgency,
                broker=broker,
                broker_role=role,
                created_at=now,
                escalate_at=escalation_time(now, urgency),
            )
    except IntegrityError:
        # A request sent at the same moment won the one-pending-per-entry constraint.
        _refuse_if_pending(requester, contact_point)
        raise
    return introduction


def _create_request(**fields) -> IntroductionRequest:
    introduction = IntroductionRequest.objects.create(**fields)
    record(
        "introduction.requested",
        actor=introduction.requester,
        target=introduction.contact_point,
        details={
            "introduction": str(introduction.pk),
            "urgency": introduction.urgency,
            "broker_role": introduction.broker_role,
            "serving_network": introduction.serving_network.slug,
        },
    )
    notifications.notify(
        recipients=deciders(introduction), kind=NoticeKind.REQUESTED, introduction=introduction
    )
    return introduction


def _refuse_if_pending(requester, contact_point: ContactPoint) -> None:
    """One pending request per requester and entry (the database holds it too)."""
    pending = (
        IntroductionRequest.objects.filter(
            requester=requester,
            contact_point=contact_point,
            status=IntroductionRequest.Status.PENDING,
        )
        .order_by("created_at")
        .first()
    )
    if pending is None:
        return
    raise IntroductionError(
        "already_pending",
        _(
            "You already asked for an introduction to this entry on %(date)s; that request "
            "is still waiting for an answer."
        )
        % {"date": absolute(pending.created_at, reader_zone(requester))},
        details={
            "introduction": {
                "id": str(pending.pk),
                "url": pending.get_absolute_url(),
                "created_at": pending.created_at.isoformat(),
            }
        },
    )


def deciders(introduction: IntroductionRequest) -> list:
    """Who may accept or decline now: the broker, and the serving network's coordinators
    once the broker is the coordinators or the request escalated."""
    people = []
    if introduction.broker_id:
        people.append(introduction.broker)
    if introduction.broker_role == BrokerRole.COORDINATOR or introduction.escalated_at:
        people.extend(coordinators(introduction.serving_network))
    return list({user.pk: user for user in people}.values())


def may_decide(user, introduction: IntroductionRequest) -> bool:
    if introduction.broker_id == user.pk:
        return introduction.serving_network_id in active_network_ids(user)
    if introduction.broker_role == BrokerRole.COORDINATOR or introduction.escalated_at:
        return is_coordinator(user, introduction.serving_network)
    return False


def _decidable(introduction: IntroductionRequest, user) -> IntroductionRequest:
    locked = IntroductionRequest.objects.select_for_update().get(pk=introduction.pk)
    if not may_decide(user, locked):
        raise IntroductionError(
            "not_allowed", _("Only the broker of this request, or its coordinators, decide.")
        )
    if locked.status != IntroductionRequest.Status.PENDING:
        raise IntroductionError("not_pending", _("This request has already been decided."))
    return locked


def accept(*, introduction: IntroductionRequest, user) -> IntroductionRequest:
    """Open a direct room between the requester and `user`, and grant the requester the
    entry's details (recorded, expiring)."""
    from messaging.actions import create_room

    with transaction.atomic():
        introduction = _decidable(introduction, user)
        room = create_room(
            kind="direct",
            creator=user,
            participants=[introduction.requester],
            networks=[introduction.serving_network, introduction.requester_network],
        )
        now = timezone.now()
        introduction.status = IntroductionRequest.Status.ACCEPTED
        introduction.decided_at, introduction.decided_by, introduction.room = now, user, room
        introduction.save(update_fields=["status", "decided_at", "decided_by", "room"])
        IntroductionGrant.objects.create(
            introduction=introduction,
            contact_point=introduction.contact_point,
            requester=introduction.requester,
            requester_network=introduction.requester_network,
            granted_by=user,
            granting_network=introduction.serving_network,
            created_at=now,
            expires_at=now + timedelta(days=GRANT_DAYS),
        )
        record(
            "introduction.accepted",
            actor=user,
            target=introduction.contact_point,
            details={"introduction": str(introduction.pk), "room": str(room.pk)},
        )
        notifications.notify(
            recipients=[introduction.requester],
            kind=NoticeKind.ACCEPTED,
            introduction=introduction,
        )
    return introduction


def decline(*, introduction: IntroductionRequest, user, reason="") -> IntroductionRequest:
    reason = _text(reason, "reason", REASON_MAX, required=False)
    with transaction.atomic():
        introduction = _decidable(introduction, user)
        introduction.status = IntroductionRequest.Status.DECLINED
        introduction.decided_at, introduction.decided_by = timezone.now(), user
        introduction.decline_reason = reason
        introduction.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
        record(
            "introduction.declined",
            actor=user,
            target=introduction.contact_point,
            reason=reason,
            details={"introduction": str(introduction.pk)},
        )
        notifications.notify(
            recipients=[introduction.requester],
            kind=NoticeKind.DECLINED,
            introduction=introduction,
        )
    return introduction


def escalate_due(now=None) -> int:
    """Pending requests past their escalation time go to the serving network's
    coordinators (run on a schedule: `manage.py escalate_introductions`)."""
    now = now or timezone.now()
    count = 0
    due = IntroductionRequest.objects.filter(
        status=IntroductionRequest.Status.PENDING, escalated_at__isnull=True, escalate_at__lte=now
    )
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            introduction = IntroductionRequest.objects.select_for_update().get(pk=pk)
            if introduction.escalated_at or introduction.status != "pending":
                continue
            introduction.escalated_at = now
            introduction.save(update_fields=["escalated_at"])
            record(
                "introduction.escalated",
                target=introduction.contact_point,
                details={"introduction": str(introduction.pk)},
            )
            notifications.notify(
                recipients=coordinators(introduction.serving_network),
                kind=NoticeKind.ESCALATED,
                introduction=introduction,
            )
            count += 1
    return count


def handover(*, introduction_ids, successor) -> int:
    """Seam for the admission handover: pending requests brokered by an outgoing focal
    point move to the successor."""
    return IntroductionRequest.objects.filter(
        pk__in=introduction_ids, status=IntroductionRequest.Status.PENDING
    ).update(broker=successor)
