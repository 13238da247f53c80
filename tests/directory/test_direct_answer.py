"""The direct answer to "who holds competence C in state S?"."""

import pytest

from directory.search import direct_answer

pytestmark = pytest.mark.django_db


def test_it_lists_the_verified_holders(make_contact_point):
    make_contact_point("Ana JIT", competences=["jit.authorize"])
    make_contact_point("Old JIT", competences=["jit.authorize"], verified_days_ago=400)
    make_contact_point("Other", competences=["extradition"])
    answer = direct_answer(competence="jit.authorize", state="CO")
    assert answer.answered
    assert [cp.name for cp in answer.verified] == ["Ana JIT"]
    assert [cp.name for cp in answer.stale] == ["Old JIT"]
    assert answer.alternatives == []
    assert answer.summary.startswith("1 verified contact point in")


def test_without_a_verified_holder_it_says_so_and_offers_alternatives(
    make_contact_point, make_authority
):
    make_contact_point("Old JIT", competences=["jit.authorize"], verified_days_ago=400)
    ministry = make_authority("Ministerio de Justicia", kind="mla_central_authority")
    make_contact_point("Central Desk", authority=ministry, competences=["mla.central_authority"])
    make_contact_point("Expert", competences=["jit.national_expert"])
    make_contact_point("Prosecutor", competences=["tip.specialized_prosecution"])
    make_contact_point(
        "Elsewhere",
        competences=["mla.central_authority"],
        authority=make_authority("Ministério da Justiça", state="BR"),
    )
    answer = direct_answer(competence="jit.authorize", state="CO")
    assert not answer.answered
    assert "No verified contact point" in answer.summary
    assert [cp.name for cp in answer.stale] == ["Old JIT"]
    assert [
        (alt.competence, [cp.name for cp in alt.contact_points]) for alt in answer.alternatives
    ] == [
        ("mla.central_authority", ["Central Desk"]),
        ("jit.national_expert", ["Expert"]),
        ("tip.specialized_prosecution", ["Prosecutor"]),
    ]


def test_with_no_holder_at_all_it_still_points_to_the_central_authority(
    make_contact_point, make_authority
):
    ministry = make_authority("Ministerio de Justicia", kind="mla_central_authority")
    make_contact_point("Central Desk", authority=ministry, competences=["mla.central_authority"])
    answer = direct_answer(competence="asset_recovery", state="CO")
    assert answer.verified == [] and answer.stale == []
    assert answer.summary.startswith("No contact point in")
    assert answer.alternatives[0].competence == "mla.central_authority"


def test_the_page_shows_the_direct_answer(make_contact_point, member, client_for):
    make_contact_point("Old JIT", competences=["jit.authorize"], verified_days_ago=400)
    response = client_for(member).get("/directory/?state=CO&competence=jit.authorize")
    assert response.status_code == 200
    body = response.content.decode()
    assert "No verified contact point" in body
    assert "Old JIT" in body


def test_the_api_gives_the_direct_answer(make_contact_point, member, client_for):
    make_contact_point("Ana JIT", competences=["jit.authorize"])
    response = client_for(member).get(
        "/api/v1/directory/answer/", {"state": "CO", "competence": "jit.authorize"}
    )
    assert response.status_code == 200
    assert response.json()["answered"] is True
    assert [cp["name"] for cp in response.json()["verified"]] == ["Ana JIT"]


def test_the_api_requires_state_and_competence(member, client_for):
    response = client_for(member).get("/api/v1/directory/answer/", {"state": "CO"})
    assert response.status_code == 400
    assert "state and competence" in response.json()["error"]["message"]


def test_the_page_does_not_repeat_the_answer_among_the_results(
    make_contact_point, member, client_for
):
    """An entry of the direct answer is not shown again as a search result below it; the
    other matches are."""
    answer = make_contact_point("Ana JIT", competences=["jit.authorize"])
    old = make_contact_point("Old JIT", competences=["jit.authorize"], verified_days_ago=400)
    body = client_for(member).get("/directory/?state=CO&competence=jit.authorize").content.decode()
    answer_part, results_part = body.split('class="results"')

    assert f'data-contact-point="{answer.pk}"' in answer_part
    assert f'data-contact-point="{answer.pk}"' not in results_part
    assert f'data-contact-point="{old.pk}"' in results_part
