"""An approved room guest who created their account through the invitation link joins the
room in the same transaction (network.signals.invitation_accepted)."""

from django.dispatch import receiver

from network.signals import invitation_accepted


@receiver(invitation_accepted, dispatch_uid="guests.admit_on_invitation")
def _admit_guest(sender, invitation, user, **kwargs):
    if invitation.guest:
        from messaging.guests.actions import admit_on_invitation

        admit_on_invitation(invitation, user)
