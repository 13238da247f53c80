"""The demo directory: idempotent, realistic enough to search, a mix of fresh and stale."""

import io

import pytest

from directory import demo
from directory.models import Authority, ContactPoint
from directory.search import SearchParams, direct_answer, search_contact_points
from directory.visibility import viewer_for
from network.models import Network

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_searchable_and_mixes_fresh_and_stale(member):
    demo.seed(stdout=io.StringIO())
    counts = (ContactPoint.objects.count(), Authority.objects.count())
    out = io.StringIO()
    demo.seed(stdout=out)
    assert (ContactPoint.objects.count(), Authority.objects.count()) == counts
    assert "0 contact points created" in out.getvalue()
    assert counts[0] > 150
    assert 0 < ContactPoint.objects.stale().count() < counts[0]
    assert set(Network.objects.values_list("slug", flat=True)) >= {"redtram", "wacap", "tipp"}

    viewer = viewer_for(member)
    assert Authority.objects.filter(state="NG", name__startswith="NAPTIP").exists()
    found = search_contact_points(SearchParams(q="fiscalia general", state="CO"), viewer=viewer)
    assert found.exists() and all(cp.state == "CO" for cp in found)
    answer = direct_answer(competence="mla.central_authority", state="BR")
    assert answer.verified or answer.stale
