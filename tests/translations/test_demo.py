"""The demo seeder: quiet without demo data, idempotent with it."""

import io

import pytest

from messaging.translations import demo
from messaging.translations.models import TranslationRequest
from network.languages.models import LanguagePair

pytestmark = pytest.mark.django_db


def test_it_skips_quietly_without_members_or_rooms():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert out.getvalue() == ""
    assert not LanguagePair.objects.exists() and not TranslationRequest.objects.exists()


def test_it_seeds_pairs_once(message, counterpart, member):
    """Pairs for the active members; translations only in the demo's own rooms (which
    tests/network/test_demo_truth.py seeds in full)."""
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "language pair" in out.getvalue()
    pairs, requests = LanguagePair.objects.count(), TranslationRequest.objects.count()
    assert pairs >= 2 and requests == 0
    demo.seed(stdout=io.StringIO())
    assert (LanguagePair.objects.count(), TranslationRequest.objects.count()) == (pairs, requests)
