"""The demo JIT proposals: a WACAP one between Nigeria and Ghana and a REDTRAM one between
Spain and Argentina, at different stages; seeding again changes nothing."""

import io

import pytest
from django.core.management import call_command

from messaging.jit import demo
from messaging.jit.models import Consent, Proposal


def test_it_skips_quietly_without_the_demo_rooms(db):
    out = io.StringIO()
    demo.seed(stdout=out)
    assert out.getvalue() == "" and not Proposal.objects.exists()


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())


def test_two_proposals_at_different_stages(seeded):
    wacap = Proposal.objects.get(room__network__slug="wacap")
    redtram = Proposal.objects.get(room__network__slug="redtram")
    assert sorted(wacap.parties.values_list("state", flat=True)) == ["GH", "NG"]
    assert sorted(redtram.parties.values_list("state", flat=True)) == ["AR", "ES"]
    assert wacap.versions.count() == 2 and redtram.versions.count() == 1
    answers = dict(
        Consent.objects.filter(party__proposal=wacap).values_list("party__state", "decision")
    )
    assert answers == {"NG": "consent", "GH": "conditions"}
    wacap.refresh_from_db()
    assert (wacap.status, redtram.status) == ("agreed", "draft")
    assert not Consent.objects.filter(party__proposal=redtram).exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert Proposal.objects.count() == 2
