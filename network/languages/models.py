"""The language pairs a member translates (source → target), ISO 639-1 codes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class LanguagePairQuerySet(models.QuerySet):
    def matching(self, source: str, target: str, *, certified: bool = False):
        """Pairs for source → target; with `certified`, only those verified and not expired."""
        pairs = self.filter(source=source, target=target)
        return pairs.verified() if certified else pairs

    def verified(self):
        """Certified pairs a coordinator verified, whose verification has not expired."""
        return self.filter(
            certified=True,
            verified_by__isnull=False,
            verified_until__gte=timezone.localdate(),
        )


class LanguagePair(models.Model):
    """A member's declaration that they translate `source` into `target`.

    `certified` is the member's statement that they are a certified or sworn translator for
    this pair. It stays *self-declared* until a coordinator of a network the member belongs to
    verifies it against the uploaded evidence (sealed with the key ring), until a date; only
    verified, unexpired pairs may take requests for court.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_pairs"
    )
    source = models.CharField(max_length=2)
    target = models.CharField(max_length=2)
    certified = models.BooleanField(default=False)
    declared_at = models.DateTimeField(default=timezone.now)
    evidence_sealed = models.BinaryField(null=True, blank=True, editable=False)
    evidence_content_type = models.CharField(max_length=32, blank=True)
    evidence_uploaded_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_until = models.DateField(null=True, blank=True)

    objects = LanguagePairQuerySet.as_manager()

    class Meta:
        ordering = ["source", "target"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source", "target"], name="one_pair_per_user"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="pair_languages_differ"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}" + (" (certified)" if self.certified else "")

    def as_dict(self) -> dict:
        return {
            "id": self.pk,
            "source": self.source,
            "target": self.target,
            "certified": self.certified,
            "declared_at": self.declared_at.isoformat(),
            "evidence": self.evidence_content_type or None,
            "certification": self.certification().as_dict(),
        }

    @property
    def is_verified(self) -> bool:
        return (
            self.certified
            and self.verified_by_id is not None
            and self.verified_until is not None
            and self.verified_until >= timezone.localdate()
        )

    def certification(self) -> "Certification":
        if self.is_verified:
            return Certification(
                Certification.VERIFIED,
                verified_until=self.verified_until,
                verified_by=self.verified_by.display_name,
                verified_at=self.verified_at,
            )
        if self.certified:
            return Certification(Certification.SELF_DECLARED)
        return Certification(Certification.NONE)


class Certification:
    """What may be said of a translator's certification for a pair: `verified` (with the
    verifier and expiry), `self-declared` (certified by the member's word only, or its
    verification expired or withdrawn) or `none`."""

    VERIFIED = "verified"
    SELF_DECLARED = "self-declared"
    NONE = "none"

    def __init__(self, status, *, verified_until=None, verified_by=None, verified_at=None):
        self.status = status
        self.verified_until = verified_until
        self.verified_by = verified_by
        self.verified_at = verified_at

    @property
    def verified(self) -> bool:
        return self.status == self.VERIFIED

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "verified_until": self.verified_until.isoformat() if self.verified_until else None,
            "verified_by": self.verified_by,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
        }
