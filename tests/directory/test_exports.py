"""vCard 4.0 read back by a standard parser; CSV export of a search result, importable again."""

import csv
import io

import pytest
import vobject

from directory.models import ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(make_contact_point, make_authority):
    authority = make_authority(
        "Procuradoria-Geral da República",
        state="BR",
        address="SAF Sul, Quadra 4, Conjunto C\nBrasília, DF",
        website="https://mpf.example.br",
    )
    return make_contact_point(
        "João Araújo; Secretaria, Cooperação",
        authority=authority,
        position="Procurador da República",
        phone="+5561999998888",
        email="joao.araujo@mpf.example.br",
        languages=[("pt", "native"), ("es", "fluent"), ("en", "working")],
        competences=["jit.authorize", "mla.central_authority"],
        how_to_reach="Escreva em português ou espanhol; for urgent JIT matters English is fine. "
        * 2,
        time_zone="America/Sao_Paulo",
    )


def test_vcard_round_trip(entry, member, client_for):
    response = client_for(member).get(f"/directory/contact-points/{entry.pk}/vcard/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.fn.value == "João Araújo; Secretaria, Cooperação"
    assert card.org.value == ["Procuradoria-Geral da República"]
    assert card.title.value == "Procurador da República"
    assert card.tel.value == "tel:+5561999998888"
    assert card.email.value == "joao.araujo@mpf.example.br"
    assert [lang.value for lang in card.contents["lang"]] == ["en", "es", "pt"]
    assert card.url.value == "https://mpf.example.br"
    assert card.tz.value == "America/Sao_Paulo"
    assert "for urgent JIT matters English is fine" in card.note.value
    assert "jit.authorize" in card.note.value
    assert card.adr.value.street == "SAF Sul, Quadra 4, Conjunto C\nBrasília, DF"
    assert card.adr.value.country == "BR"
    assert card.uid.value == f"urn:counterpart:contact-point:{entry.pk}"


def test_vcard_of_a_desk_is_an_org(make_contact_point, member, client_for):
    desk = make_contact_point("Central Authority Desk", kind=ContactPoint.Kind.DESK)
    card = vobject.readOne(
        client_for(member)
        .get(f"/api/v1/directory/contact-points/{desk.pk}/vcard/")
        .content.decode()
    )
    assert card.kind.value == "org"


def test_vcard_of_an_unknown_entry_is_404(member, client_for):
    assert client_for(member).get("/directory/contact-points/999999/vcard/").status_code == 404


def test_csv_export_follows_the_search_and_marks_stale(make_contact_point, member, client_for):
    make_contact_point("Fresh Fiscal", competences=["jit.authorize"])
    make_contact_point("Old Fiscal", competences=["jit.authorize"], verified_days_ago=400)
    make_contact_point("Not Matching", competences=["extradition"])
    response = client_for(member).get("/directory/export.csv?competence=jit.authorize&state=CO")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["name"], r["stale"]) for r in rows] == [
        ("Fresh Fiscal", "no"),
        ("Old Fiscal", "yes"),
    ]


def test_csv_export_rejects_bad_filters(member, client_for):
    client = client_for(member)
    response = client.get("/directory/export.csv?state=XX")
    assert response.status_code == 400
    assert "XX is not an ISO 3166-1" in response.content.decode()
    assert client.get("/api/v1/directory/export.csv?competence=nope").status_code == 400


def test_an_export_can_be_imported_again(entry, member, client_for, tmp_path):
    from django.core.management import call_command

    exported = client_for(member).get("/directory/export.csv").content.decode()
    ContactPoint.objects.all().delete()
    path = tmp_path / "again.csv"
    path.write_text(exported, encoding="utf-8")
    call_command("import_directory", str(path))
    again = ContactPoint.objects.get()
    assert again.name == entry.name and again.phone == entry.phone
    assert again.competence_codes == ["jit.authorize", "mla.central_authority"]


def test_csv_export_neutralises_formulas_and_the_import_restores_them(
    make_contact_point, member, client_for, tmp_path
):
    from django.core.management import call_command

    make_contact_point(
        "=HYPERLINK(1)",
        position="@boss",
        phone="+573001234567",
        how_to_reach="-2+3 then ask",
        formal_requirements="+1 copy certified",
    )
    exported = client_for(member).get("/directory/export.csv").content.decode()
    (row,) = list(csv.DictReader(io.StringIO(exported)))
    assert (
        row["name"],
        row["position"],
        row["phone"],
        row["how_to_reach"],
        row["formal_requirements"],
    ) == ("'=HYPERLINK(1)", "'@boss", "'+573001234567", "'-2+3 then ask", "'+1 copy certified")
    ContactPoint.objects.all().delete()
    path = tmp_path / "again.csv"
    path.write_text(exported, encoding="utf-8")
    call_command("import_directory", str(path))
    again = ContactPoint.objects.get()
    assert (again.name, again.position, again.phone) == ("=HYPERLINK(1)", "@boss", "+573001234567")
    assert (again.how_to_reach, again.formal_requirements) == ("-2+3 then ask", "+1 copy certified")


def test_csv_export_neutralises_cells_starting_with_a_tab_or_a_carriage_return(
    make_contact_point, member, client_for
):
    """A tab or a carriage return before a formula also makes spreadsheets run it; such
    cells get the apostrophe whatever the column, however the text reached the database."""
    entry = make_contact_point("Plain Name")
    ContactPoint.objects.filter(pk=entry.pk).update(
        how_to_reach="\t=cmd|' /C calc'!A0", formal_requirements="\r=1+1", phone="\t+1"
    )
    exported = client_for(member).get("/directory/export.csv").content.decode()
    (row,) = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert row["how_to_reach"] == "'\t=cmd|' /C calc'!A0"
    assert row["formal_requirements"] == "'\r=1+1"
    assert row["phone"] == "'\t+1"
