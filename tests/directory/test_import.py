"""CSV import: every bad row reported with its line and reason; all or nothing unless the
good rows are asked for explicitly; the same through the command, the page and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from directory.csv_format import COLUMNS
from directory.models import Authority, ContactPoint, ContactPointChange

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def row(**values) -> str:
    base = {
        "state": "NG",
        "authority": "NAPTIP",
        "authority_type": "anti_trafficking_agency",
        "kind": "person",
        "name": "Chidi Okafor",
        "competences": "tip.investigation;victim_referral",
        "languages": "en:native;fr:basic",
        "request_languages": "en",
        "phone": "+2348031234567",
        "email": "chidi@naptip.example",
        "networks": "tipp",
        "time_zone": "Africa/Lagos",
    }
    base.update(values)
    return ",".join(f'"{base.get(column, "")}"' for column in COLUMNS)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str):
        path = tmp_path / "directory.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_a_good_file_is_imported(write_csv, tipp, capsys):
    path = write_csv(
        csv_text(
            row(),
            row(
                name="Desk 24/7",
                kind="desk",
                competences="police.24_7",
                availability="24_7",
                authority="Nigeria Police Force",
                authority_type="police_unit",
                email="",
            ),
            row(
                name="Amaka Eze",
                authority="NAPTIP Lagos Zonal Command",
                parent_authority="NAPTIP",
                authority_type="anti_trafficking_agency",
            ),
        )
    )
    call_command("import_directory", str(path))
    assert "Imported 3 contact point(s) and 3 authority(ies)" in capsys.readouterr().out
    chidi = ContactPoint.objects.get(name="Chidi Okafor")
    assert chidi.competence_codes == ["tip.investigation", "victim_referral"]
    assert chidi.verified_at is not None and not chidi.stale
    assert Authority.objects.get(name="NAPTIP Lagos Zonal Command").parent.name == "NAPTIP"
    assert chidi.changes.get().kind == ContactPointChange.Kind.IMPORTED


BAD_ROWS = [
    (row(state="XX"), "unknown state XX"),
    (row(competences="tip.investigation;jit.everything"), "unknown competence jit.everything"),
    (row(phone="0803 123 4567"), "bad phone: 0803 123 4567 is not a phone number in E.164"),
    # Liberia's country code on a Nigerian entry (phonenumbers' numbering plans).
    (row(phone="+231770123456"), "bad phone: +231770123456 is not a valid phone number in Nigeria"),
    (row(email="chidi-at-naptip"), "bad email chidi-at-naptip"),
    (row(authority="Unknown Agency", authority_type=""), "unknown authority Unknown Agency in NG"),
    (row(parent_authority="No Such Parent", authority="NAPTIP Abuja"), "unknown parent authority"),
    (row(networks="nope"), "unknown network nope"),
    (row(languages="en:native;xx:fluent"), "unknown language xx"),
    (row(name=""), "name is empty"),
    (row(phone="", email=""), "Give at least one channel"),
    (row(time_zone="Mars/Olympus"), "Mars/Olympus is not a known time zone"),
    (row(member_email="ghost@example.org"), "no member account with email ghost@example.org"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_ROWS)
def test_each_bad_row_kind_is_reported_and_nothing_imported(bad, reason, write_csv, tipp, capsys):
    path = write_csv(csv_text(row(name="Good Person", email="good@example.org"), bad))
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_directory", str(path))
    err = capsys.readouterr().err
    assert "line 3:" in err and reason in err
    assert ContactPoint.objects.count() == 0 and Authority.objects.count() == 0


def test_a_duplicate_row_in_the_file_is_reported(write_csv, tipp, capsys):
    path = write_csv(csv_text(row(), row(email="other@example.org")))
    with pytest.raises(CommandError):
        call_command("import_directory", str(path))
    assert (
        "line 3: duplicate: Chidi Okafor at NAPTIP is already on line 2" in capsys.readouterr().err
    )
    assert ContactPoint.objects.count() == 0


def test_an_entry_already_in_the_directory_is_a_duplicate(write_csv, tipp, capsys):
    call_command("import_directory", str(write_csv(csv_text(row()))))
    with pytest.raises(CommandError):
        call_command("import_directory", str(write_csv(csv_text(row(email="x@example.org")))))
    assert "is already in the directory" in capsys.readouterr().err
    assert ContactPoint.objects.count() == 1


def test_a_missing_column_is_reported_on_line_1(write_csv, tipp, capsys):
    header = ",".join(c for c in COLUMNS if c != "competences")
    values = row().split(",")
    del values[COLUMNS.index("competences")]
    with pytest.raises(CommandError):
        call_command("import_directory", str(write_csv(csv_text(",".join(values), header=header))))
    assert "line 1: missing column: competences" in capsys.readouterr().err


def test_a_missing_column_stops_even_only_valid(write_csv, tipp):
    header = ",".join(c for c in COLUMNS if c != "networks")
    with pytest.raises(CommandError):
        call_command("import_directory", str(write_csv(header + "\n")), only_valid=True)


def test_only_valid_imports_the_good_rows_and_reports_the_bad(write_csv, tipp, capsys):
    path = write_csv(
        csv_text(row(), row(name="Bad Phone", phone="12"), row(name="Ngozi Bello", email="n@x.org"))
    )
    call_command("import_directory", str(path), "--only-valid")
    captured = capsys.readouterr()
    assert "line 3: bad phone: 12 is not a phone number in E.164" in captured.err
    assert "Imported 2 contact point(s)" in captured.out
    assert sorted(ContactPoint.objects.values_list("name", flat=True)) == [
        "Chidi Okafor",
        "Ngozi Bello",
    ]


def test_line_numbers_count_multi_line_cells(write_csv, tipp, capsys):
    path = write_csv(
        csv_text(row(how_to_reach="line one\nline two"), row(name="Bad", competences="nope"))
    )
    with pytest.raises(CommandError):
        call_command("import_directory", str(path))
    assert "line 4: unknown competence nope" in capsys.readouterr().err


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_directory", str(tmp_path / "missing.csv"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Fiscalía".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_directory", str(latin))


def upload(text: str):
    return SimpleUploadedFile("directory.csv", text.encode(), content_type="text/csv")


def test_a_coordinator_imports_through_the_page(coordinator, client_for):
    response = client_for(coordinator).post("/directory/import/", {"file": upload(csv_text(row()))})
    assert response.status_code == 200
    assert "Imported: 1 contact point," in response.content.decode()
    assert ContactPoint.objects.get().verified_by == coordinator


def test_the_page_reports_bad_rows_and_imports_nothing(coordinator, client_for):
    response = client_for(coordinator).post(
        "/directory/import/", {"file": upload(csv_text(row(), row(name="X", state="ZZ")))}
    )
    assert response.status_code == 400
    assert "unknown state ZZ" in response.content.decode()
    assert ContactPoint.objects.count() == 0


def test_the_page_reports_bad_rows_in_the_readers_language(coordinator, client_for):
    """The reasons a row is refused are written in the interface language (the codes the
    file holds stay as written)."""
    client = client_for(coordinator)
    client.cookies["django_language"] = "es"

    response = client.post(
        "/directory/import/",
        {
            "file": upload(
                csv_text(row(), row(name="X", state="ZZ"), row(name="Y", networks="nope"))
            )
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Estado desconocido ZZ" in page
    assert "red desconocida nope" in page
    assert "unknown" not in page
    assert ContactPoint.objects.count() == 0


def test_the_api_imports_only_valid_rows_when_asked(coordinator, client_for):
    response = client_for(coordinator).post(
        "/api/v1/directory/import/",
        {"file": upload(csv_text(row(), row(name="X", state="ZZ"))), "only_valid": "true"},
    )
    assert response.status_code == 200
    assert response.json()["contact_points_created"] == 1
    assert response.json()["errors"] == [{"line": 3, "reason": "unknown state ZZ"}]


def test_the_api_refuses_a_file_with_bad_rows(coordinator, client_for):
    response = client_for(coordinator).post(
        "/api/v1/directory/import/", {"file": upload(csv_text(row(phone="+1")))}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_rows"
    assert response.json()["error"]["details"]["rows"][0]["line"] == 2
    assert ContactPoint.objects.count() == 0


def test_a_coordinator_imports_only_into_their_networks(coordinator, redtram, client_for):
    response = client_for(coordinator).post(
        "/api/v1/directory/import/", {"file": upload(csv_text(row(networks="redtram")))}
    )
    assert response.status_code == 400
    rows = response.json()["error"]["details"]["rows"]
    assert rows[0]["reason"] == "you do not coordinate redtram"


def test_it_requires_a_coordinator(member, client_for):
    client = client_for(member)
    assert client.get("/directory/import/").status_code == 403
    response = client.post("/api/v1/directory/import/", {"file": upload(csv_text(row()))})
    assert response.status_code == 403
    assert ContactPoint.objects.count() == 0


def test_the_api_requires_a_file(coordinator, client_for):
    response = client_for(coordinator).post("/api/v1/directory/import/", {})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"


def test_invisible_characters_in_names_are_refused(write_csv, tipp, capsys):
    """An RTL override or a zero-width space lets one entry impersonate another."""
    path = write_csv(csv_text(row(name="Chidi\u202eOkafor"), row(name="Ngozi\u200bBello")))
    with pytest.raises(CommandError):
        call_command("import_directory", str(path))
    err = capsys.readouterr().err
    assert "line 2: name: Remove the invisible or control characters (U+202E)." in err
    assert "line 3: name: Remove the invisible or control characters (U+200B)." in err
