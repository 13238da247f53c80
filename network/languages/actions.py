"""Declaring and withdrawing translation language pairs."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network import membership
from network.audit import log as audit
from network.errors import DomainError
from network.iso import validate_language
from network.keyring import seal, unseal
from network.languages.models import Certification, LanguagePair
from network.models import Membership

EVIDENCE_TYPES = ("application/pdf", "image/png", "image/jpeg")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
_EVIDENCE_MAX_MB = EVIDENCE_MAX_BYTES // (1024 * 1024)
_EVIDENCE_PURPOSE = "language-pair-evidence"
_SIGNATURES = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
)


class LanguagePairError(DomainError):
    """A refused declaration; `code` names the reason, `field` the input at fault."""


def language_code(value, field: str) -> str:
    """A valid ISO 639-1 code from `value`, or LanguagePairError naming `field`."""
    if value in (None, ""):
        raise LanguagePairError(
            "missing_field", _("%(field)s is required.") % {"field": field}, field=field
        )
    if not isinstance(value, str):
        raise LanguagePairError(
            "unsupported_language", _("%(field)s must be text.") % {"field": field}, field=field
        )
    code = value.strip().lower()
    try:
        validate_language(code)
    except ValidationError as exc:
        raise LanguagePairError(
            "unsupported_language",
            _("“%(value)s” is not an ISO 639-1 language code.") % {"value": value},
            field=field,
        ) from exc
    return code


def declare_pair(*, user, source, target, certified: bool = False) -> LanguagePair:
    """Declare (or update the certification of) a pair the member translates."""
    source = language_code(source, "source")
    target = language_code(target, "target")
    if source == target:
        raise LanguagePairError(
            "same_language", _("Source and target must be different languages."), field="target"
        )
    if not isinstance(certified, bool):
        raise LanguagePairError(
            "invalid_field", _("“certified” must be true or false."), field="certified"
        )
    if not membership.is_active_anywhere(user):
        raise LanguagePairError(
            "forbidden", _("Only active members of a network declare language pairs.")
        )
    try:
        with transaction.atomic():
            pair, created = LanguagePair.objects.select_for_update().get_or_create(
                user=user, source=source, target=target, defaults={"certified": certified}
            )
            if not created and pair.certified != certified:
                pair.certified = certified
                pair.save(update_fields=["certified"])
                if not certified and pair.verified_by_id:
                    _clear_verification(pair)
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
        raise LanguagePairError("unknown_pair", _("No such language pair.")) from exc
    with transaction.atomic():
        audit.record(
            "languages.pair_withdrawn",
            actor=user,
            target=pair,
            details={"source": pair.source, "target": pair.target},
        )
        pair.delete()


def _evidence_aad(pair: LanguagePair) -> bytes:
    return f"language-pair:{pair.pk}:{pair.user_id}".encode()


def _own_pair(user, pair_id) -> LanguagePair:
    try:
        return LanguagePair.objects.get(user=user, pk=int(pair_id))
    except (LanguagePair.DoesNotExist, TypeError, ValueError) as exc:
        raise LanguagePairError("unknown_pair", _("No such language pair.")) from exc


def read_upload(upload) -> bytes:
    """The bytes of an uploaded evidence file, refused before reading when too large."""
    if upload is None:
        raise LanguagePairError("missing_field", _("Evidence is required."), field="evidence")
    if upload.size > EVIDENCE_MAX_BYTES:
        raise LanguagePairError(
            "file_too_large",
            _("The evidence is larger than %(size)d MB.") % {"size": _EVIDENCE_MAX_MB},
            field="evidence",
        )
    return upload.read()


def pair_for_evidence(viewer, pair_id) -> LanguagePair:
    """The access getter for a pair's evidence: its translator, or a coordinator who may
    verify it; anyone else is told there is no such pair."""
    try:
        pair = LanguagePair.objects.select_related("user").get(pk=int(pair_id))
    except (LanguagePair.DoesNotExist, TypeError, ValueError) as exc:
        raise LanguagePairError("unknown_pair", _("No such language pair.")) from exc
    if pair.user_id != viewer.pk and not coordinates_translator(viewer, pair.user):
        raise LanguagePairError("unknown_pair", _("No such language pair."))
    if not pair.evidence_content_type:
        raise LanguagePairError("unknown_pair", _("This pair has no evidence."))
    return pair


def is_coordinator_anywhere(user) -> bool:
    return Membership.objects.active().filter(user=user, role=Membership.Role.COORDINATOR).exists()


def evidence_type(content: bytes) -> str | None:
    """PDF, PNG or JPEG, judged by the content's magic bytes, never by its name."""
    for content_type, magic in _SIGNATURES:
        if content.startswith(magic):
            return content_type
    return None


def upload_evidence(*, user, pair_id, content) -> LanguagePair:
    """Attach evidence (PDF or image) of certification to one's own certified pair, sealed
    with the key ring. New evidence replaces the old and ends any verification."""
    pair = _own_pair(user, pair_id)
    if not pair.certified:
        raise LanguagePairError(
            "not_certified", _("Only a pair declared certified or sworn takes evidence.")
        )
    if not isinstance(content, bytes | bytearray) or not content:
        raise LanguagePairError("missing_field", _("Evidence is required."), field="evidence")
    if len(content) > EVIDENCE_MAX_BYTES:
        raise LanguagePairError(
            "file_too_large",
            _("The evidence is larger than %(size)d MB.") % {"size": _EVIDENCE_MAX_MB},
            field="evidence",
        )
    content_type = evidence_type(bytes(content))
    if content_type is None:
        raise LanguagePairError(
            "unsupported_file_type",
            _("The evidence must be a PDF, PNG or JPEG file."),
            field="evidence",
        )
    with transaction.atomic():
        pair = LanguagePair.objects.select_for_update().get(pk=pair.pk)
        pair.evidence_sealed = seal(
            bytes(content), purpose=_EVIDENCE_PURPOSE, aad=_evidence_aad(pair)
        )
        pair.evidence_content_type = content_type
        pair.evidence_uploaded_at = timezone.now()
        pair.verified_by = None
        pair.verified_at = None
        pair.verified_until = None
        pair.save()
        audit.record(
            "languages.evidence_uploaded",
            actor=user,
            target=pair,
            details={"source": pair.source, "target": pair.target, "type": content_type},
        )
    return pair


def open_evidence(pair: LanguagePair) -> bytes:
    """The evidence in clear; only for its owner and the coordinators who may verify it."""
    return unseal(pair.evidence_sealed, purpose=_EVIDENCE_PURPOSE, aad=_evidence_aad(pair))


def coordinates_translator(coordinator, translator) -> bool:
    """Whether `coordinator` coordinates a network in which `translator` is an active member."""
    if not getattr(coordinator, "is_authenticated", False) or coordinator.pk == translator.pk:
        return False
    networks = Membership.objects.active().filter(user=translator).values("network_id")
    return (
        Membership.objects.active()
        .filter(user=coordinator, role=Membership.Role.COORDINATOR, network_id__in=networks)
        .exists()
    )


def pair_for_coordinator(coordinator, pair_id) -> LanguagePair:
    """The access getter for a pair a coordinator may see the evidence of and verify."""
    try:
        pair = LanguagePair.objects.select_related("user").get(pk=int(pair_id))
    except (LanguagePair.DoesNotExist, TypeError, ValueError) as exc:
        raise LanguagePairError("unknown_pair", _("No such language pair.")) from exc
    if not coordinates_translator(coordinator, pair.user):
        raise LanguagePairError("unknown_pair", _("No such language pair."))
    return pair


def awaiting_verification(coordinator):
    """Certified pairs with evidence, of members of the networks `coordinator` coordinates."""
    networks = Membership.objects.active().filter(
        user=coordinator, role=Membership.Role.COORDINATOR
    )
    members = (
        Membership.objects.active()
        .filter(network_id__in=networks.values("network_id"))
        .exclude(user=coordinator)
        .values("user_id")
    )
    return (
        LanguagePair.objects.filter(user_id__in=members, certified=True)
        .exclude(evidence_content_type="")
        .select_related("user", "verified_by")
        .order_by("user__display_name", "source", "target")
    )


def _expiry(value) -> datetime.date:
    if value in (None, ""):
        raise LanguagePairError("missing_field", _("The expiry date is required."), field="expires")
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise LanguagePairError(
                "invalid_field", _("The expiry date must be a date (YYYY-MM-DD)."), field="expires"
            ) from exc
    if value <= timezone.localdate():
        raise LanguagePairError(
            "expiry_in_past", _("The expiry date must be in the future."), field="expires"
        )
    return value


def verify_pair(*, coordinator, pair_id, expires) -> LanguagePair:
    """A coordinator of a network the translator belongs to verifies a certified pair against
    its evidence, until `expires`."""
    pair = pair_for_coordinator(coordinator, pair_id)
    if not pair.certified:
        raise LanguagePairError(
            "not_certified",
            _("This pair is not declared certified or sworn; there is nothing to verify."),
        )
    if not pair.evidence_content_type:
        raise LanguagePairError("no_evidence", _("The translator has uploaded no evidence."))
    until = _expiry(expires)
    with transaction.atomic():
        pair = LanguagePair.objects.select_for_update().get(pk=pair.pk)
        pair.verified_by = coordinator
        pair.verified_at = timezone.now()
        pair.verified_until = until
        pair.save(update_fields=["verified_by", "verified_at", "verified_until"])
        audit.record(
            "languages.pair_verified",
            actor=coordinator,
            target=pair,
            details={
                "translator": pair.user_id,
                "source": pair.source,
                "target": pair.target,
                "until": until.isoformat(),
            },
        )
    return pair


def _clear_verification(pair: LanguagePair) -> None:
    pair.verified_by = None
    pair.verified_at = None
    pair.verified_until = None
    pair.save(update_fields=["verified_by", "verified_at", "verified_until"])


def withdraw_verification(*, coordinator, pair_id) -> LanguagePair:
    """A coordinator withdraws a verification; the pair reads self-declared again."""
    pair = pair_for_coordinator(coordinator, pair_id)
    if pair.verified_by_id is None:
        raise LanguagePairError("not_verified", _("This pair is not verified."))
    with transaction.atomic():
        pair = LanguagePair.objects.select_for_update().get(pk=pair.pk)
        _clear_verification(pair)
        audit.record(
            "languages.verification_withdrawn",
            actor=coordinator,
            target=pair,
            details={"translator": pair.user_id, "source": pair.source, "target": pair.target},
        )
    return pair


def certification_of(pair_or_user, source: str | None = None, target: str | None = None):
    """verified / self-declared / none (with expiry) for a pair, or for a user's
    source → target pair. The one answer pages, API and exports give."""
    if isinstance(pair_or_user, LanguagePair):
        return pair_or_user.certification()
    if pair_or_user is None or source is None or target is None:
        return Certification(Certification.NONE)
    pair = (
        LanguagePair.objects.filter(user=pair_or_user, source=source, target=target)
        .select_related("verified_by")
        .first()
    )
    return pair.certification() if pair else Certification(Certification.NONE)
