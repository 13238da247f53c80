"""The offline verifier: every bad bundle of the issue gets its precise verdict."""

import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from messaging import merkle, posting, roomlog
from messaging.records.bundle import keys_document
from messaging.verify import verify_bundle
from tests.records.conftest import edit_json, rezip, unzip

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundle(case, export):
    return export().data


def problem(data, **kwargs):
    verdict = verify_bundle(data, **kwargs)
    assert not verdict.ok
    return verdict.problem


def test_truncated(bundle):
    found = problem(bundle[: len(bundle) // 2])
    assert found.file == "(bundle)" and "truncated" in found.message


def test_file_added(bundle):
    files = unzip(bundle)
    found = problem(rezip({**files, "notes.txt": b"added later"}, reseal=False))
    assert (found.file, found.message) == (
        "notes.txt",
        "a file the manifest does not list (added to the bundle)",
    )


def test_file_removed(bundle):
    files = unzip(bundle)
    del files["custody.json"]
    found = problem(rezip(files, reseal=False))
    assert (found.file, found.message) == (
        "custody.json",
        "listed in the manifest but missing from the bundle",
    )


@pytest.mark.parametrize(
    "name",
    ["transcript.json", "log/events.json", "log/leaves.json", "custody.json", "transcript.html"],
)
def test_byte_flipped_in_any_file(bundle, name):
    files = unzip(bundle)
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0x01
    found = problem(rezip({**files, name: bytes(data)}, reseal=False))
    assert (found.file, found.field) == (name, "sha256")


def test_byte_flipped_in_the_archive(bundle):
    """A flipped bit in any byte of the zip, headers included, fails the bundle (the archive
    is in a canonical form whose every byte is checked)."""
    missed = []
    for position in range(len(bundle)):
        data = bytearray(bundle)
        data[position] ^= 0x01
        if verify_bundle(bytes(data)).ok:
            missed.append(position)
    assert missed == []


def test_two_messages_swapped(case, bundle):
    files = unzip(bundle)

    def swap(doc):
        first, second = doc["messages"][0], doc["messages"][1]
        first["body"], second["body"] = second["body"], first["body"]

    found = problem(rezip(edit_json(files, "transcript.json", swap)))
    assert (found.file, found.seq, found.field) == ("transcript.json", case["first"].seq, "body")


def test_two_events_swapped_in_the_log(case, bundle):
    files = unzip(bundle)

    def swap(doc):
        events = doc["events"]
        events[3]["entry"], events[4]["entry"] = events[4]["entry"], events[3]["entry"]

    seq = json.loads(files["log/events.json"])["events"][3]["seq"]
    found = problem(rezip(edit_json(files, "log/events.json", swap)))
    assert (found.file, found.seq, found.field) == ("log/events.json", seq, "entry")


def test_two_leaves_swapped(bundle):
    files = unzip(bundle)

    def swap(doc):
        doc["leaves"][2], doc["leaves"][3] = doc["leaves"][3], doc["leaves"][2]

    found = problem(rezip(edit_json(files, "log/leaves.json", swap)))
    assert (found.file, found.field) == ("log/leaves.json", "leaves")
    assert "reordered" in found.message


def test_message_removed(case, bundle):
    files = unzip(bundle)
    seq = case["reply"].seq

    def drop_event(doc):
        doc["events"] = [e for e in doc["events"] if e["seq"] != seq]

    def drop_message(doc):
        doc["messages"] = [m for m in doc["messages"] if m["seq"] != seq]

    # from the transcript only: the log still has it
    found = problem(rezip(edit_json(files, "transcript.json", drop_message)))
    assert (found.file, found.seq) == ("log/events.json", seq)
    assert found.message == "an exported event the transcript does not show"
    # from both: a whole-room export must show or withhold every event
    changed = edit_json(
        edit_json(files, "transcript.json", drop_message), "log/events.json", drop_event
    )
    found = problem(rezip(changed))
    assert (found.file, found.seq) == ("transcript.json", seq)
    # its leaf too: the root no longer matches the signed checkpoint
    changed = edit_json(changed, "log/leaves.json", lambda doc: doc["leaves"].pop(seq - 1))
    found = problem(rezip(changed))
    assert (found.file, found.field) == ("log/leaves.json", "leaves")


def test_withheld_hash_changed(case, bundle):
    files = unzip(bundle)
    seq = case["secret"].seq

    def change(doc):
        for item in doc["withheld"]:
            if item["seq"] == seq:
                item["leaf_hash"] = "00" * 32

    found = problem(rezip(edit_json(files, "transcript.json", change)))
    assert (found.file, found.seq, found.field) == ("transcript.json", seq, "withheld.leaf_hash")


def test_content_changed_breaks_commitment(case, bundle):
    files = unzip(bundle)
    seq = case["first"].seq

    def change(doc):
        for item in doc["events"]:
            if item["seq"] == seq:
                item["content"]["secret"] = "The agency recruits in Accra."

    found = problem(rezip(edit_json(files, "log/events.json", change)))
    assert (found.file, found.seq, found.field) == ("log/events.json", seq, "content")


def test_proof_changed(case, bundle):
    files = unzip(bundle)

    def change(doc):
        doc["events"][0]["proof"][0] = "11" * 32

    seq = json.loads(files["log/events.json"])["events"][0]["seq"]
    found = problem(rezip(edit_json(files, "log/events.json", change)))
    assert (found.file, found.seq, found.field) == ("log/events.json", seq, "proof")


def test_signature_swapped(bundle):
    files = unzip(bundle)
    text = files["log/checkpoint.txt"].decode()
    head, name, stamp = text.rsplit(" ", 2)
    raw = bytearray(base64.b64decode(stamp))
    raw[10] ^= 0x01
    forged = f"{head} {name} {base64.b64encode(bytes(raw)).decode()}\n"
    found = problem(rezip({**files, "log/checkpoint.txt": forged.encode()}))
    assert (found.file, found.field) == ("log/checkpoint.txt", "signature")


def test_key_swapped(bundle, settings):
    """A bundle re-signed with a forger's key and carrying that key: it verifies only against
    itself, and fails against the published key."""
    from network.keyring import MasterKey

    forger = MasterKey("k1", b"\x07" * 32)
    files = unzip(bundle)
    body = files["log/checkpoint.txt"].decode().partition("\n\n")[0]
    origin, size, root = body.split("\n")
    checkpoint = merkle.Checkpoint(origin, int(size), base64.b64decode(root))
    keys = {"format": "counterpart-keys/1", "current": merkle.key_name(forger)}
    keys["keys"] = [{"name": merkle.key_name(forger), "vkey": merkle.verifier_key(forger)}]
    files["log/checkpoint.txt"] = checkpoint.sign(forger).encode()
    files["keys.json"] = merkle.canonical_json(keys)

    def custody(doc):
        import hashlib

        doc["checkpoint_sha256"] = hashlib.sha256(files["log/checkpoint.txt"]).hexdigest()

    forged = rezip(edit_json(files, "custody.json", custody))
    published = json.dumps(keys_document())
    found = problem(forged, keys=[published])
    assert (found.file, found.field) == ("keys.json", "keys")
    # the key alone swapped, the signature left: it no longer verifies
    files = unzip(bundle)
    found = problem(rezip({**files, "keys.json": merkle.canonical_json(keys)}))
    assert (found.file, found.field) == ("log/checkpoint.txt", "signature")
    # and a given key that did not sign
    found = problem(bundle, keys=[merkle.verifier_key(forger)])
    assert (found.file, found.field) == ("keys.json", "keys")
    assert found.message == "the key counterpart-log-k1 differs from the given key"


def test_verifies_with_the_published_key(bundle, client):
    published = client.get("/.well-known/counterpart-keys.json")
    assert published.status_code == 200
    verdict = verify_bundle(bundle, keys=[published.content.decode()])
    assert verdict.ok, verdict.text()
    assert not verdict.notes


def test_custody_approval_removed(bundle):
    files = unzip(bundle)

    def change(doc):
        doc["approved_by"] = None

    found = problem(rezip(edit_json(files, "custody.json", change)))
    assert (found.file, found.field) == ("custody.json", "approved_by")

    def self_approved(doc):
        doc["approved_by"] = doc["requested_by"]

    found = problem(rezip(edit_json(files, "custody.json", self_approved)))
    assert (found.file, found.field) == ("custody.json", "approved_by")


def test_html_without_the_bundle_hash(bundle):
    files = unzip(bundle)
    bundle_hash = json.loads(files["manifest.json"])["bundle_hash"]
    html = files["transcript.html"].replace(bundle_hash.encode(), b"0" * 64)
    found = problem(rezip({**files, "transcript.html": html}))
    assert (found.file, found.field) == ("transcript.html", "bundle_hash")


def test_later_checkpoint(case, bundle, member, tmp_path):
    size = json.loads(unzip(bundle)["log/leaves.json"])["size"]
    posting.post_message(
        room=case["room"],
        sender=member,
        thread=case["lantern"],
        body="later",
        client_id=uuid.uuid4(),
    )
    later = {
        "checkpoint": roomlog.signed_checkpoint(case["room"])["checkpoint"],
        "proof": roomlog.consistency(case["room"], size)["proof"],
    }
    verdict = verify_bundle(bundle, later=json.dumps(later))
    assert verdict.ok, verdict.text()
    assert any("extends" in note for note in verdict.notes)
    later["proof"] = later["proof"][:-1]
    found = problem(bundle, later=json.dumps(later))
    assert (found.file, found.field) == ("--later", "proof")


def test_command_line_without_django(bundle, tmp_path):
    """`python -m messaging.verify` runs with Django unimportable, and exits 0 only when
    everything holds."""
    path = tmp_path / "record.zip"
    path.write_bytes(bundle)
    blocker = tmp_path / "block" / "sitecustomize.py"
    blocker.parent.mkdir()
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'django' or name.startswith('django.'):\n"
        "            raise ImportError('django is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": f"{blocker.parent}{os.pathsep}{ROOT}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "messaging.verify", str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("VERIFIED: bundle ")
    check = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys, messaging.verify.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'network')))",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.stdout.strip() == "[]", check.stderr
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bundle[:-100])
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "messaging.verify", str(broken)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout.startswith("NOT VERIFIED: (bundle): not a readable zip archive")
