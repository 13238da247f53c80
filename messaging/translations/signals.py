"""Give back the work of a translator whose membership stopped being active (after commit)."""

from django.dispatch import receiver

from messaging.translations.actions import release_ineligible_claims
from network.signals import membership_deactivated


@receiver(membership_deactivated, dispatch_uid="translations.membership_deactivated")
def release_claims_of_deactivated_member(sender, *, user, **kwargs):
    release_ineligible_claims(translator=user)
