"""Helpers shared by the vetting tests."""

from contextlib import contextmanager

from network.signals import membership_deactivated


@contextmanager
def deactivations():
    """Collect `membership_deactivated` signals as (membership id, user id, status, reason)."""
    received = []

    def receiver(sender, membership, user, reason, **kwargs):
        received.append((membership.pk, user.pk, membership.status, reason))

    membership_deactivated.connect(receiver, weak=False)
    try:
        yield received
    finally:
        membership_deactivated.disconnect(receiver)
