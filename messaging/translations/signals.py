"""Give back the work of a translator whose membership stopped being active (after commit);
withdraw the live requests of a deleted original (in its transaction)."""

from django.dispatch import receiver

from messaging.disclosure.actions import permission_answered
from messaging.disclosure.models import PermissionRequest
from messaging.models import Message
from messaging.signals import message_deleted
from messaging.translations.actions import (
    permission_answered as translations_permission_answered,
)
from messaging.translations.actions import (
    release_ineligible_claims,
    withdraw_requests_of_deleted,
)
from network.signals import membership_deactivated


@receiver(membership_deactivated, dispatch_uid="translations.membership_deactivated")
def release_claims_of_deactivated_member(sender, *, user, **kwargs):
    release_ineligible_claims(translator=user)


@receiver(message_deleted, sender=Message, dispatch_uid="translations.message_deleted")
def withdraw_requests_of_deleted_original(sender, *, message, actor, **kwargs):
    withdraw_requests_of_deleted(message=message, actor=actor)


@receiver(
    permission_answered, sender=PermissionRequest, dispatch_uid="translations.permission_answered"
)
def open_or_cancel_requests_waiting_for(sender, *, permission, actor, **kwargs):
    translations_permission_answered(permission=permission, actor=actor)
