"""Directory fixtures: authorities and contact points made through directory.actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from directory import actions
from directory.models import Authority, ContactPoint


@pytest.fixture
def make_authority(db):
    def make(name="Fiscalía General de la Nación", *, state="CO", kind="prosecution_service", **kw):
        existing = Authority.objects.filter(state=state, name=name).first()
        return existing or actions.create_authority(name=name, kind=kind, state=state, **kw)

    return make


@pytest.fixture
def make_contact_point(make_authority, tipp):
    def make(
        name="Juana Pérez",
        *,
        authority=None,
        competences=("tip.specialized_prosecution",),
        networks=None,
        languages=(("es", "native"),),
        verified_days_ago=0,
        **fields,
    ):
        fields.setdefault("kind", ContactPoint.Kind.PERSON)
        fields.setdefault("email", "contact@example.org")
        contact_point = actions.create_contact_point(
            authority=authority or make_authority(),
            name=name,
            competences=competences,
            networks=networks if networks is not None else [tipp],
            languages=languages,
            **fields,
        )
        if verified_days_ago:
            backdate(contact_point, verified_days_ago)
        return contact_point

    return make


def backdate(contact_point: ContactPoint, days: int) -> ContactPoint:
    """Pretend the entry was last verified `days` ago."""
    contact_point.verified_at = timezone.now() - timedelta(days=days)
    contact_point.refresh_verification_due()
    contact_point.save(update_fields=["verified_at", "verification_due_at"])
    return contact_point
