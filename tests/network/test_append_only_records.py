"""Decisions and audit entries are written once: the ORM refuses to change or delete them."""

import pytest

from network.audit.models import AuditEvent
from network.vetting import actions


@pytest.fixture
def decision(outsider, tipp):
    membership = actions.apply_to_network(
        user=outsider,
        network=tipp,
        institution="Parquet national",
        position="Substitute prosecutor",
        statement="I lead trafficking cases.",
    )
    return membership.decisions.get()


def test_a_membership_decision_cannot_be_changed_or_deleted(decision):
    decision.reason = "Rewritten afterwards."

    with pytest.raises(ValueError, match="membership decisions are append-only"):
        decision.save()
    with pytest.raises(ValueError, match="membership decisions are append-only"):
        decision.delete()


def test_an_audit_entry_cannot_be_changed_or_deleted(decision):
    entry = AuditEvent.objects.get(action="membership.applied")

    with pytest.raises(ValueError, match="audit events are append-only"):
        entry.save()
    with pytest.raises(ValueError, match="audit events are append-only"):
        entry.delete()
