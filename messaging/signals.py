"""The signal messaging sends, and the receivers that cut live access when a membership stops
being active or sessions end (after commit).

- `message_deleted(sender=Message, message, actor)`: sent inside the transaction that
  tombstones the message, so that what depends on its content (open translation requests)
  changes in the same commit or not at all.
"""

from django.dispatch import Signal, receiver

from messaging.realtime import broadcast
from network.accounts.signals import sessions_ended
from network.signals import membership_deactivated, seat_replaced

message_deleted = Signal()


@receiver(membership_deactivated, dispatch_uid="messaging.membership_deactivated")
def close_rooms_of_deactivated_member(sender, *, user, membership=None, **kwargs):
    broadcast.member_access_changed(user.pk, account_disabled=membership is None)


@receiver(sessions_ended, dispatch_uid="messaging.sessions_ended")
def close_sockets_of_ended_sessions(sender, *, user, session_keys=(), **kwargs):
    broadcast.sessions_ended(user.pk, list(session_keys or []))


@receiver(seat_replaced, dispatch_uid="messaging.seat_replaced")
def hand_over_rooms_of_replaced_member(sender, *, network, outgoing, successor, actor, **kwargs):
    from messaging.handover import hand_over_rooms
    from messaging.translations.actions import hand_over_requests

    hand_over_rooms(network=network, outgoing=outgoing, successor=successor, actor=actor)
    hand_over_requests(network=network, outgoing=outgoing, successor=successor, actor=actor)
