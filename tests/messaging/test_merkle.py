import base64
import hashlib
import io

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from messaging import merkle, roomlog
from messaging.models import Message, RoomEvent


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reference_root(leaves):
    """RFC 9162 MTH, written from the definition."""
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:]))


LEAVES = [merkle.leaf_hash(bytes([i])) for i in range(8)]


def test_hashes_follow_rfc_9162():
    assert merkle.leaf_hash(b"e") == h(b"\x00e")
    assert merkle.node_hash(b"l", b"r") == h(b"\x01lr")
    assert merkle.root([]) == h(b"")


def test_the_root_of_three_leaves_by_hand():
    a, b, c = LEAVES[:3]
    assert merkle.root([a, b, c]) == h(b"\x01" + h(b"\x01" + a + b) + c)


def test_an_inclusion_proof_by_hand():
    """Leaf 2 of 5: sibling d, then the node (a,b), then the lone leaf e."""
    a, b, c, d, e = LEAVES[:5]
    assert merkle.inclusion_proof(2, [a, b, c, d, e]) == [d, h(b"\x01" + a + b), e]


def test_a_consistency_proof_by_hand():
    """From 3 to 4 leaves (RFC 9162 example shape): c, d, then (a,b)."""
    a, b, c, d = LEAVES[:4]
    assert merkle.consistency_proof(3, [a, b, c, d]) == [c, d, h(b"\x01" + a + b)]


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies(case):
    size, index = case
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(size)]
    root = merkle.root(leaves)
    assert root == reference_root(leaves)
    proof = merkle.inclusion_proof(index, leaves)
    assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"x"), proof, root)
    if proof:
        assert not merkle.verify_inclusion(index, size, leaves[index], proof[:-1], root)


def test_an_inclusion_proof_does_not_verify_outside_the_tree():
    """Leaf 0's proof in a 4-leaf tree verifies as index 0 only: not as index 4 (past the
    end, whose directions would read the same) and not as a negative index, whose bits
    shift to -1 and never reach the end of the tree."""
    leaves = LEAVES[:4]
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(0, leaves)
    assert merkle.verify_inclusion(0, 4, leaves[0], proof, root)
    for index in (4, 5, 8, -1, -4, -8):
        assert not merkle.verify_inclusion(index, 4, leaves[0], proof, root), index


def test_an_inclusion_proof_must_be_consumed_exactly():
    """A proof with a hash too many or too few is refused, even when the extra hash is one
    the verifier would otherwise fold into the root."""
    leaves = LEAVES[:5]
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(4, leaves)
    assert merkle.verify_inclusion(4, 5, leaves[4], proof, root)
    assert not merkle.verify_inclusion(4, 5, leaves[4], [*proof, root], root)
    assert not merkle.verify_inclusion(4, 5, leaves[4], proof[:-1], root)
    assert not merkle.verify_inclusion(4, 5, leaves[4], [], root)


@given(st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_an_inclusion_proof_verifies_for_its_own_index_only(case):
    """Within a size, every other index (negative, past the end, or another leaf's) fails."""
    size, index = case
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(size)]
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(index, leaves)
    for other in range(-2 * size - 4, 2 * size + 4):
        if other != index:
            assert not merkle.verify_inclusion(other, size, leaves[index], proof, root), other


@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_consistency_proof_verifies(case):
    old, new = case
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(new)]
    old_root, new_root = merkle.root(leaves[:old]), merkle.root(leaves)
    proof = merkle.consistency_proof(old, leaves)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert not merkle.verify_consistency(old, new, merkle.leaf_hash(b"x"), new_root, proof)
    if old < new:
        forked = [*leaves[: new - 1], merkle.leaf_hash(b"fork")]
        if old < new:
            assert (
                not merkle.verify_consistency(old, new, old_root, merkle.root(forked), proof)
                or old == new
            )


def test_a_signed_checkpoint_verifies_and_a_changed_one_does_not():
    checkpoint = merkle.Checkpoint("counterpart/room/x", 3, merkle.root(LEAVES[:3]))
    text = checkpoint.sign()
    assert merkle.open_checkpoint(text, merkle.known_public_keys()) == checkpoint
    tampered = text.replace("\n3\n", "\n4\n", 1)
    with pytest.raises(ValueError, match="no valid signature"):
        merkle.open_checkpoint(tampered, merkle.known_public_keys())


@pytest.mark.django_db
def test_room_proofs_verify_against_the_signed_checkpoint(case_room, post, member):
    for i in range(5):
        post(member, f"message {i}")
    checkpoint = roomlog.signed_checkpoint(case_room)
    opened = merkle.open_checkpoint(checkpoint["checkpoint"], merkle.known_public_keys())
    for seq in range(1, opened.size + 1):
        proof = roomlog.inclusion(case_room, seq)
        leaf = merkle.leaf_hash(proof["entry"].encode())
        nodes = [base64.b64decode(node) for node in proof["proof"]]
        assert merkle.verify_inclusion(seq - 1, opened.size, leaf, nodes, opened.root)
        assert f'"seq":{seq},' in proof["entry"]


@pytest.mark.django_db
def test_the_log_entry_holds_no_plaintext(case_room, post, member):
    post(member, "canary-entry-4242")
    for event in RoomEvent.objects.filter(room=case_room):
        assert "canary" not in merkle.entry_for(event).decode()


@pytest.mark.django_db
def test_verify_room_log_passes_an_intact_room(case_room, post, member):
    message = post(member, "one").message
    from messaging import actions

    actions.edit_message(message=message, editor=member, body="two")
    actions.delete_message(message=message, actor=member)
    out = io.StringIO()
    call_command("verify_room_log", str(case_room.pk), stdout=out)
    assert "events hold" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["body", "leaf", "gap", "kind"])
def test_verify_room_log_names_the_first_bad_leaf(case_room, post, member, tamper):
    post(member, "one")
    target = post(member, "two").message
    post(member, "three")
    if tamper == "body":
        other = Message.objects.exclude(pk=target.pk).filter(room=case_room).first()
        Message.objects.filter(pk=target.pk).update(body_ciphertext=other.body_ciphertext)
    elif tamper == "leaf":
        RoomEvent.objects.filter(room=case_room, seq=target.seq).update(leaf_hash="00" * 32)
    elif tamper == "kind":
        RoomEvent.objects.filter(room=case_room, seq=target.seq).update(kind="message.edited")
    else:
        RoomEvent.objects.filter(room=case_room, seq=target.seq).update(seq=target.seq + 100)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_room_log", str(case_room.pk), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert f"(seq {target.seq}) is bad" in err.getvalue()


@pytest.mark.django_db
def test_verify_room_log_refuses_an_unknown_room():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no room"):
        call_command("verify_room_log", "not-a-room")


@pytest.mark.django_db
def test_verify_room_log_detects_history_rewritten_after_a_checkpoint(
    case_room, post, member, tmp_path
):
    """Dropping an event and renumbering the rest keeps every row consistent with itself;
    a checkpoint signed before the change exposes it."""
    for i in range(3):
        post(member, f"kept {i}")
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(roomlog.signed_checkpoint(case_room)["checkpoint"])
    call_command(
        "verify_room_log", str(case_room.pk), "--checkpoint", str(saved), stdout=io.StringIO()
    )
    # Rewrite: remove the last message's event and post another one in its place.
    last = RoomEvent.objects.filter(room=case_room).order_by("-seq").first()
    RoomEvent.objects.filter(pk=last.pk).delete()
    Message.objects.filter(pk=last.message_id).delete()
    type(case_room).objects.filter(pk=case_room.pk).update(head_seq=last.seq - 1)
    case_room.refresh_from_db()
    post(member, "forged")
    call_command("verify_room_log", str(case_room.pk), stdout=io.StringIO())  # rows agree
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "verify_room_log",
            str(case_room.pk),
            "--checkpoint",
            str(saved),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "no longer match the signed checkpoint" in err.getvalue()


@pytest.mark.django_db
def test_the_api_gives_consistency_proofs_that_verify(client_for, case_room, post, member):
    client = client_for(member)
    old = client.get(f"/api/v1/rooms/{case_room.pk}/log/checkpoint/").json()
    for i in range(4):
        post(member, f"later {i}")
    new = client.get(f"/api/v1/rooms/{case_room.pk}/log/checkpoint/").json()
    proof = client.get(
        f"/api/v1/rooms/{case_room.pk}/log/consistency/", {"from": old["size"]}
    ).json()
    assert merkle.verify_consistency(
        old["size"],
        new["size"],
        base64.b64decode(old["root"]),
        base64.b64decode(new["root"]),
        [base64.b64decode(node) for node in proof["proof"]],
    )
    bad = client.get(f"/api/v1/rooms/{case_room.pk}/log/consistency/", {"from": 0})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "from"
