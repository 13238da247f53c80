from django.db import models


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed or removed through the ORM: decisions,
    audit entries, histories. (A bulk `QuerySet.update()` or `delete()` bypasses this; the
    audit chain and the room logs detect such tampering.)"""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name_plural} are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name_plural} are append-only")
