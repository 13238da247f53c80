"""Writes on accounts that cross models or notify others: disabling an account, changing a
password, editing the profile. Each validates, writes in one transaction, records the
decision and notifies after commit."""

from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction

from network.accounts import session_index, tokens
from network.accounts.models import SessionRecord, User
from network.accounts.notifications import notify_sign_in_change
from network.accounts.signals import sessions_ended
from network.audit.log import record
from network.signals import membership_deactivated

PROFILE_FIELDS = (
    "display_name",
    "institution",
    "position",
    "state",
    "languages",
    "preferred_language",
    "time_zone",
)


def disable_account(*, user: User, reason: str, actor: User | None = None) -> User:
    """Disable the account: sessions deleted, tokens revoked, decision on record; after
    commit `membership_deactivated` (membership=None) and `sessions_ended` are sent."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("A reason is required to disable an account.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise ValidationError(f"The account {user.email} is already disabled.")
        user.is_active = False
        user.save(update_fields=["is_active"])
        keys = list(SessionRecord.objects.filter(user=user).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        SessionRecord.objects.filter(user=user).delete()
        revoked = tokens.revoke_all(user=user)
        record(
            "account.disabled",
            actor=actor,
            target=user,
            reason=reason,
            details={"sessions_ended": len(keys), "tokens_revoked": revoked},
        )

        def notify():
            membership_deactivated.send(sender=User, membership=None, user=user, reason=reason)
            sessions_ended.send(sender=User, user=user, session_keys=[])

        transaction.on_commit(notify)
    return user


def change_password(request, *, current: str, new: str, confirm: str) -> None:
    """Change the signed-in user's password; every other session of the user ends."""
    user = request.user
    if not user.check_password(current):
        raise ValidationError({"current_password": "The current password is not correct."})
    if new != confirm:
        raise ValidationError({"new_password2": "The two new passwords differ."})
    try:
        password_validation.validate_password(new, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        old_key = request.session.session_key
        update_session_auth_hash(request, user)  # keeps this session, with a new id
        session_index.rekey(request, old_key)
        notify_sign_in_change(user, "password_changed")
        record(
            "password.changed", actor=user, target=user, ip_address=session_index.client_ip(request)
        )
    session_index.end_other_sessions(request, reason="password changed")


def update_profile(*, user: User, changes: dict) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    if not changes:
        return user
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for field, value in changes.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password"])
        _validate_ui_language(user.preferred_language)
        user.save(update_fields=list(changes) or None)
    return user


def _validate_ui_language(code: str) -> None:
    from django.conf import settings

    if code not in dict(settings.LANGUAGES):
        raise ValidationError(
            {"preferred_language": f"{code} is not one of the interface languages."}
        )
