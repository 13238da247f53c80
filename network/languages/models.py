"""The language pairs a member translates (source → target), ISO 639-1 codes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class LanguagePairQuerySet(models.QuerySet):
    def matching(self, source: str, target: str, *, certified: bool = False):
        pairs = self.filter(source=source, target=target)
        return pairs.filter(certified=True) if certified else pairs


class LanguagePair(models.Model):
    """A member's declaration that they translate `source` into `target`.

    `certified` is the member's statement that they are a certified or sworn translator for
    this pair; only certified pairs may claim requests for court.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_pairs"
    )
    source = models.CharField(max_length=2)
    target = models.CharField(max_length=2)
    certified = models.BooleanField(default=False)
    declared_at = models.DateTimeField(default=timezone.now)

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
        }
