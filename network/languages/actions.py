"""Declaring and withdrawing translation language pairs."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from network import membership
from network.audit import log as audit
from network.errors import DomainError
from network.iso import validate_language
from network.languages.models import LanguagePair


class LanguagePairError(DomainError):
    """A refused declaration; `code` names the reason, `field` the input at fault."""


def language_code(value, field: str) -> str:
    """A valid ISO 639-1 code from `value`, or LanguagePairError naming `field`."""
    if value in (None, ""):
        raise LanguagePairError("missing_field", f"{field} is required", field=field)
    if not isinstance(value, str):
        raise LanguagePairError("unsupported_language", f"{field} must be text", field=field)
    code = value.strip().lower()
    try:
        validate_language(code)
    except ValidationError as exc:
        raise LanguagePairError(
            "unsupported_language", f"{value!r} is not an ISO 639-1 language code", field=field
        ) from exc
    return code


def declare_pair(*, user, source, target, certified: bool = False) -> LanguagePair:
    """Declare (or update the certification of) a pair the member translates."""
    source = language_code(source, "source")
    target = language_code(target, "target")
    if source == target:
        raise LanguagePairError(
            "same_language", "source and target must be different languages", field="target"
        )
    if not isinstance(certified, bool):
        raise LanguagePairError(
            "invalid_field", "certified must be true or false", field="certified"
        )
    if not membership.is_active_anywhere(user):
        raise LanguagePairError("forbidden", "only active members of a network translate")
    try:
        with transaction.atomic():
            pair, created = LanguagePair.objects.select_for_update().get_or_create(
                user=user, source=source, target=target, defaults={"certified": certified}
            )
            if not created and pair.certified != certified:
                pair.certified = certified
                pair.save(update_fields=["certified"])
            audit.record(
                "languages.pair_declared",
                actor=user,
                target=pair,
                details={"source": source, "target": target, "certified": certified},
            )
    except IntegrityError:  # a concurrent identical declaration
        pair = LanguagePair.objects.get(user=user, source=source, target=target)
    return pair


def withdraw_pair(*, user, pair_id) -> None:
    """Withdraw one of one's own pairs. Claimed requests stay with the translator."""
    try:
        pair = LanguagePair.objects.get(user=user, pk=int(pair_id))
    except (LanguagePair.DoesNotExist, TypeError, ValueError) as exc:
        raise LanguagePairError("unknown_pair", "no such language pair") from exc
    with transaction.atomic():
        audit.record(
            "languages.pair_withdrawn",
            actor=user,
            target=pair,
            details={"source": pair.source, "target": pair.target},
        )
        pair.delete()
