from django.conf import settings
from django.db import models
from django.utils import timezone

from messaging.models import Room


class DigestMark(models.Model):
    """The last seq of a room that a member's e-mail digest covered; it only moves forward."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "messaging"
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_digest_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.user} digested {self.room_id} to {self.seq}"
