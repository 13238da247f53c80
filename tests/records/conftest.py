"""A case room with two threads, a restricted item, an edit, a tombstone and a file; and
helpers to export it, open the bundle and put a changed bundle together again."""

import datetime
import hashlib
import io
import json
import uuid
import zipfile

import pytest

from messaging import actions, posting
from messaging.merkle import canonical_json
from messaging.records import actions as records
from messaging.records.bundle import zip_files

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(case_room, member, counterpart):
    lantern = actions.create_thread(
        room=case_room,
        creator=member,
        title="Recruitment agency",
        tags=[{"kind": "operation", "value": "Lantern"}],
    )
    other = actions.create_thread(room=case_room, creator=counterpart, title="Bank accounts")

    def post(sender, thread, body, **fields):
        fields.setdefault("client_id", uuid.uuid4())
        return posting.post_message(
            room=case_room, sender=sender, thread=thread, body=body, **fields
        ).message

    first = post(member, lantern, "The agency recruits in Lagos.")
    reply = post(
        counterpart, lantern, "Confirmed by our unit.", reply_to=first.seq, evaluation="B2"
    )
    secret = post(counterpart, lantern, "Informant's name.", handling_code="H1", handling_note="")
    actions.edit_message(
        message=first, editor=member, body="The agency recruits in Lagos, Nigeria."
    )
    gone = post(member, lantern, "Sent to the wrong room.")
    actions.delete_message(message=gone, actor=member)
    actions.add_attachment(message=first, uploader=member, filename="ledger.pdf", content=PDF)
    bank = post(counterpart, other, "Account 12 at Banco X.")
    return {
        "room": case_room,
        "lantern": lantern,
        "other": other,
        "first": first,
        "reply": reply,
        "secret": secret,
        "gone": gone,
        "bank": bank,
    }


@pytest.fixture
def export(case, member, counterpart):
    """Export (as `member`, approved by `counterpart`): the Built bundle."""

    def run(**fields):
        fields.setdefault("legal_basis", "Art. 18 Budapest Convention; order 4/2026")
        fields.setdefault("case_reference", "DP 123/2025")
        fields.setdefault("approved_by", counterpart)
        now = datetime.datetime.now(datetime.UTC)
        fields.setdefault("requested_at", now - datetime.timedelta(minutes=5))
        fields.setdefault("approved_at", now - datetime.timedelta(minutes=1))
        return records.export_room(room=case["room"], exporter=member, **fields)

    return run


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes], *, reseal: bool = True) -> bytes:
    """The files as a bundle again; `reseal` rewrites the manifest (and the bundle hash the
    HTML shows) so that a change reaches the deeper checks, as a forger would."""
    files = dict(files)
    if reseal:
        listed = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        listed.pop("manifest.json", None)
        old = json.loads(files["manifest.json"])["bundle_hash"]
        core = {name: digest for name, digest in listed.items() if name != "transcript.html"}
        new = hashlib.sha256(canonical_json(core)).hexdigest()
        files["transcript.html"] = files["transcript.html"].replace(old.encode(), new.encode())
        listed["transcript.html"] = hashlib.sha256(files["transcript.html"]).hexdigest()
        files["manifest.json"] = canonical_json(
            {"format": "counterpart-record/1", "bundle_hash": new, "files": listed}
        )
    return zip_files(files)


def edit_json(files: dict, name: str, change) -> dict:
    doc = json.loads(files[name])
    change(doc)
    return {**files, name: canonical_json(doc)}
