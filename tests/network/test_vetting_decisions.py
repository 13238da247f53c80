"""One table of coordinators' decisions (`network.vetting.decisions.DECISIONS`) behind the
pages and the API: the same decisions, by the same names, reach the same actions."""

import pytest
from django.urls import resolve, reverse

from network.models import Membership, MembershipDecision
from network.vetting.decisions import DECISIONS

pytestmark = pytest.mark.django_db

Status = Membership.Status
Kind = MembershipDecision.Kind
# The status each decision starts from, and the decision kind it records.
STARTS = {
    "approve": (Status.ENDORSED, Kind.APPROVED),
    "reject": (Status.ENDORSED, Kind.REJECTED),
    "renew": (Status.ACTIVE, Kind.RENEWED),
    "suspend": (Status.ACTIVE, Kind.SUSPENDED),
    "reinstate": (Status.SUSPENDED, Kind.REINSTATED),
    "revoke": (Status.ACTIVE, Kind.REVOKED),
    "allow_readmission": (Status.REVOKED, Kind.READMISSION_ALLOWED),
}


def test_every_decision_but_the_role_change_has_its_api_path():
    """The API's decision paths are the table's names with `-` for `_`, and nothing else."""
    for decision in DECISIONS.values():
        if decision.takes_role:
            continue
        path = reverse(f"api-{decision.path}", kwargs={"slug": "tipp", "pk": 1})
        assert path.endswith(f"/memberships/1/{decision.path}/")
        assert resolve(path).func.view_initkwargs == {"decision": decision.name}
    assert set(STARTS) == {d.name for d in DECISIONS.values() if not d.takes_role}


@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("name", sorted(STARTS))
def test_each_decision_is_taken_the_same_way_on_the_page_and_the_api(
    name, surface, make_user, make_membership, coordinator, tipp, client_for
):
    status, kind = STARTS[name]
    membership = make_membership(make_user(), tipp, status=status)
    if status == Status.ENDORSED:
        tipp.required_endorsements = 0
        tipp.save()
    client = client_for(coordinator)
    if surface == "page":
        response = client.post(
            f"/networks/tipp/memberships/{membership.pk}/decide/",
            {"decision": name, "reason": "On the record."},
        )
        assert response.status_code == 302
    else:
        response = client.post(
            f"/api/v1/networks/tipp/memberships/{membership.pk}/{DECISIONS[name].path}/",
            {"reason": "On the record."},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    assert list(membership.decisions.values_list("kind", flat=True)) == [kind]
