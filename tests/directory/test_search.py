"""Search: accents and case, ranking, combined filters, stale marking, on SQLite and PostgreSQL."""

import pytest

from directory.search import SearchParams, parse_search_params, search_contact_points
from directory.visibility import viewer_for

pytestmark = pytest.mark.django_db


def names(params, user):
    return [cp.name for cp in search_contact_points(params, viewer=viewer_for(user))]


def test_free_text_ignores_accents_and_case(make_contact_point, member):
    make_contact_point("Juana Pérez")
    make_contact_point("Otro Nombre", authority=None, how_to_reach="Llamar de día")
    assert sorted(names(SearchParams(q="fiscalia"), member)) == ["Juana Pérez", "Otro Nombre"]
    assert names(SearchParams(q="PEREZ"), member) == ["Juana Pérez"]
    assert names(SearchParams(q="Pérez juana"), member) == ["Juana Pérez"]
    assert names(SearchParams(q="pérèz"), member) == ["Juana Pérez"]


def test_accented_query_finds_unaccented_text(make_contact_point, make_authority, member):
    authority = make_authority("Ministerio Publico Federal", state="BR", kind="prosecution_service")
    make_contact_point("Joao Silva", authority=authority)
    assert names(SearchParams(q="Ministério Público"), member) == ["Joao Silva"]


def test_every_word_must_match(make_contact_point, member):
    make_contact_point("Juana Pérez")
    assert names(SearchParams(q="juana gomez"), member) == []


def test_name_match_ranks_above_notes_match(make_contact_point, member):
    make_contact_point("Desk Alpha", how_to_reach="Ask for Moreno at the front desk")
    make_contact_point("Lucía Moreno", verified_days_ago=30)
    assert names(SearchParams(q="moreno"), member) == ["Lucía Moreno", "Desk Alpha"]


def test_equal_matches_come_freshest_first(make_contact_point, member):
    make_contact_point("Trata Desk Old", kind="desk", verified_days_ago=90)
    make_contact_point("Trata Desk New", kind="desk", verified_days_ago=2)
    make_contact_point("Trata Desk Stale", kind="desk", verified_days_ago=400)
    assert names(SearchParams(q="trata desk"), member) == [
        "Trata Desk New",
        "Trata Desk Old",
        "Trata Desk Stale",
    ]


def test_filters_combine(make_contact_point, make_authority, member, redtram):
    ar = make_authority("Procuración General de la Nación", state="AR")
    co = make_authority()
    make_contact_point(
        "Ana AR",
        authority=ar,
        competences=["jit.authorize"],
        languages=[("es", "native"), ("en", "working")],
    )
    make_contact_point("Beto AR", authority=ar, competences=["jit.authorize"])
    make_contact_point(
        "Cata CO", authority=co, competences=["jit.authorize"], languages=[("en", "fluent")]
    )
    make_contact_point(
        "Dani AR",
        authority=ar,
        competences=["extradition"],
        languages=[("en", "fluent")],
        networks=[redtram],
    )
    params = SearchParams(state="AR", competence="jit.authorize", language="en")
    assert names(params, member) == ["Ana AR"]
    assert sorted(names(SearchParams(state="AR", language="en"), member)) == ["Ana AR", "Dani AR"]
    assert names(SearchParams(network=redtram), member) == ["Dani AR"]
    assert names(SearchParams(q="procuracion", competence="extradition"), member) == ["Dani AR"]


def test_authority_type_filter(make_contact_point, make_authority, member):
    police = make_authority("Policía Nacional", kind="police_unit")
    make_contact_point("Guardia 24", authority=police, competences=["police.24_7"])
    make_contact_point("Fiscal Uno")
    assert names(SearchParams(authority_kind="police_unit"), member) == ["Guardia 24"]


def test_results_are_marked_stale(make_contact_point, member, tipp):
    tipp.directory_verification_days = 100
    tipp.save()
    make_contact_point("Fresh One", verified_days_ago=99)
    make_contact_point("Stale One", verified_days_ago=101)
    found = search_contact_points(SearchParams(), viewer=viewer_for(member))
    results = {cp.name: cp.stale for cp in found}
    assert results == {"Fresh One": False, "Stale One": True}


def test_stale_uses_the_shortest_period_of_the_networks_served(make_contact_point, tipp, redtram):
    tipp.directory_verification_days = 365
    tipp.save()
    redtram.directory_verification_days = 30
    redtram.save()
    both = make_contact_point("Both Networks", networks=[tipp, redtram], verified_days_ago=60)
    only_tipp = make_contact_point("Tipp Only", verified_days_ago=60)
    both.refresh_from_db()
    assert both.stale is True
    assert only_tipp.stale is False


def test_changing_a_network_period_updates_its_entries(make_contact_point, tipp):
    entry = make_contact_point("Juana Pérez", verified_days_ago=60)
    assert entry.stale is False
    tipp.directory_verification_days = 30
    tipp.save()
    entry.refresh_from_db()
    assert entry.stale is True


def test_unknown_filter_values_are_rejected_with_reasons(db):
    with pytest.raises(Exception) as caught:
        parse_search_params(
            {"state": "XX", "competence": "jit.everything", "language": "zz", "network": "nope"}
        )
    errors = caught.value.message_dict
    assert set(errors) == {"state", "competence", "language", "network"}
    assert "XX is not an ISO 3166-1" in errors["state"][0]


@pytest.mark.postgres
def test_postgres_search_uses_the_same_rules(make_contact_point, member):
    """The PostgreSQL path (trigram + full-text ranking) gives the same answers."""
    make_contact_point("Lucía Moreno")
    make_contact_point("Desk Alpha", how_to_reach="Ask for Moreno")
    assert names(SearchParams(q="MORENO"), member) == ["Lucía Moreno", "Desk Alpha"]
    assert names(SearchParams(q="fiscalía lucia"), member) == ["Lucía Moreno"]


@pytest.mark.postgres
def test_postgres_offers_similar_spellings_when_nothing_matches(make_contact_point, member):
    """A misspelt name finds the entry through pg_trgm word similarity, marked as fuzzy."""
    make_contact_point("Aïssatou Ouédraogo")
    make_contact_point("Chidi Okafor")
    found = list(search_contact_points(SearchParams(q="ouedrago"), viewer=viewer_for(member)))
    assert [cp.name for cp in found] == ["Aïssatou Ouédraogo"]
    assert found[0].fuzzy is True
    exact = list(search_contact_points(SearchParams(q="ouedraogo"), viewer=viewer_for(member)))
    assert exact[0].fuzzy is False


def test_similar_spellings_only_where_the_database_has_them(make_contact_point, member):
    """SQLite has no trigram similarity: a misspelt word finds nothing there."""
    from django.db import connection

    make_contact_point("Aïssatou Ouédraogo")
    expected = ["Aïssatou Ouédraogo"] if connection.vendor == "postgresql" else []
    assert names(SearchParams(q="ouedrago"), member) == expected
