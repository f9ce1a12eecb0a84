"""Signed checkpoints: the RFC 9162 Merkle tree hash, the signed statement, and one pass that
checks a chain against its checkpoints."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.audit import GENESIS, StoredEntry, entry_hash
from accord.core.checkpoint import (
    Frontier,
    InvalidCheckpoint,
    SignedCheckpoint,
    Statement,
    chain_check,
    checkpoint_sign,
    distinct,
    key_id,
    leaf_hash,
    links_of,
    merkle_root,
    node_hash,
    signature_problem,
)

AT = dt.datetime(2026, 11, 25, 10, 30, 15, 123456, tzinfo=dt.UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
leaves = st.lists(st.binary(max_size=40), max_size=70)


def reference_root(data: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, as written: split at the largest power of two smaller than n."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(data[:k]) + reference_root(data[k:])).digest()


@given(leaves)
def test_the_root_is_rfc_9162s_merkle_tree_hash(data: list[bytes]) -> None:
    assert merkle_root(data) == reference_root(data)


def test_the_root_matches_certificate_transparencys_published_vectors() -> None:
    # The inputs and roots of the Merkle tree tests in Google's certificate-transparency code.
    inputs = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243")]
    inputs += [bytes.fromhex("5051525354555657"), bytes.fromhex("606162636465666768696a6b6c6d6e6f")]
    roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    assert merkle_root([]).hex() == hashlib.sha256(b"").hexdigest()
    for n, root in enumerate(roots, 1):
        assert merkle_root(inputs[:n]).hex() == root


@given(leaves, st.data())
def test_a_frontier_saved_at_any_size_carries_on_to_the_same_root(
    data: list[bytes], draw: st.DataObject
) -> None:
    cut = draw.draw(st.integers(0, len(data)))
    first = Frontier()
    for leaf in data[:cut]:
        first.add(leaf)
    resumed = Frontier(first.size, first.roots())
    for leaf in data[cut:]:
        resumed.add(leaf)
    assert resumed.size == len(data)
    assert resumed.root() == reference_root(data)


def test_a_frontier_with_the_wrong_number_of_roots_is_refused() -> None:
    with pytest.raises(ValueError, match="subtree roots"):
        Frontier(3, [b"x"])


@given(st.binary(max_size=40), st.binary(max_size=40))
def test_two_leaves_cannot_pass_for_one_leaf_made_of_their_hashes(a: bytes, b: bytes) -> None:
    # The second-preimage trick: present an inner node's children as one leaf. With the
    # 0x00/0x01 prefixes the one-leaf tree hashes differently from the two-leaf tree.
    assert merkle_root([leaf_hash(a) + leaf_hash(b)]) != merkle_root([a, b])
    assert leaf_hash(leaf_hash(a) + leaf_hash(b)) != node_hash(leaf_hash(a), leaf_hash(b))


def signed(size: int = 3, last: str = "ab" * 32) -> SignedCheckpoint:
    frontier = Frontier()
    for n in range(size):
        frontier.add(bytes([n]))
    return checkpoint_sign(chain="audit", frontier=frontier, last_hash=last, at=AT, private_key=KEY)


def test_the_statement_is_the_canonical_text_signed_and_reads_back() -> None:
    checkpoint = signed()
    s = checkpoint.statement
    assert s.text() == (
        "accord.checkpoint/1\nchain audit\nsize 3\n"
        f"root {s.root}\nlast {'ab' * 32}\nat 2026-11-25T10:30:15Z\n"
        f"key {key_id(KEY.public_key())}\n"
    )
    assert Statement.parse(s.text()) == s
    assert signature_problem(checkpoint, KEY.public_key()) is None


@pytest.mark.parametrize(
    "text",
    [
        "accord.checkpoint/1\nchain audit\n",
        "accord.checkpoint/2\nchain audit\nsize 3\nroot {r}\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
        "accord.checkpoint/1\nchain audit\nsize 03\nroot {r}\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
        "accord.checkpoint/1\nchain audit\nsize 0\nroot {r}\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
        "accord.checkpoint/1\nchain audit\nsize 3\nroot XY\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
        "accord.checkpoint/1\nsize 3\nchain audit\nroot {r}\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
        "accord.checkpoint/1\nchain audit\nsize 3\nroot {r}\nlast {r}\nat 25/11/2026\nkey k\n",
        "accord.checkpoint/1\nchain payroll\nsize 3\nroot {r}\nlast {r}\nat 2026-11-25T10:30:15Z\nkey k\n",
    ],
)
def test_a_statement_not_in_canonical_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidCheckpoint):
        Statement.parse(text.format(r="ab" * 32))


@given(
    st.sampled_from(["chain", "size", "root", "last_hash", "at", "key_id"]),
    st.integers(1, 10**6),
)
def test_changing_any_field_of_a_signed_statement_breaks_its_signature(name: str, n: int) -> None:
    checkpoint = signed()
    s = checkpoint.statement
    changed = {
        "chain": "disclosure",
        "size": s.size + n,
        "root": f"{n:064x}",
        "last_hash": f"{n:064x}",
        "at": s.at + dt.timedelta(seconds=n),
        "key_id": s.key_id,
    }[name]
    forged = SignedCheckpoint(replace(s, **{name: changed}), checkpoint.signature)
    if name == "key_id":  # the same key id: tamper with the signature instead
        forged = SignedCheckpoint(s, bytes(64))
    problem = signature_problem(forged, KEY.public_key())
    assert problem is not None
    assert "does not verify" in problem


def test_a_checkpoint_signed_with_another_key_is_named_so() -> None:
    problem = signature_problem(signed(), OTHER_KEY.public_key())
    assert problem is not None
    assert "not the published key" in problem


def test_the_same_checkpoint_from_two_sources_counts_once() -> None:
    one, two = signed(3), signed(4)
    assert distinct([one, two, one, signed(3)]) == [one, two]


# --- A chain against its checkpoints ----------------------------------------------------------


def chain_of(n: int, word: str = "entry") -> list[StoredEntry]:
    entries, previous = [], GENESIS
    for sequence in range(1, n + 1):
        fields = {"sequence": sequence, "summary": f"{word} {sequence}"}
        hash_ = entry_hash(previous, fields)
        entries.append(StoredEntry(sequence, fields, previous, hash_))
        previous = hash_
    return entries


def checkpoint_at(
    entries: list[StoredEntry], size: int, key: Ed25519PrivateKey = KEY
) -> SignedCheckpoint:
    frontier = Frontier()
    for entry in entries[:size]:
        frontier.add(bytes.fromhex(entry.hash))
    return checkpoint_sign(
        chain="audit", frontier=frontier, last_hash=entries[size - 1].hash, at=AT, private_key=key
    )


def rechained(entries: list[StoredEntry], edited: int) -> list[StoredEntry]:
    """An administrator's rewrite: entry #edited changed and every hash recomputed."""
    out, previous = [], GENESIS
    for entry in entries:
        fields = dict(entry.fields)
        if entry.sequence == edited:
            fields["summary"] = "rewritten"
        hash_ = entry_hash(previous, fields)
        out.append(StoredEntry(entry.sequence, fields, previous, hash_))
        previous = hash_
    return out


@settings(max_examples=60)
@given(st.data())
def test_a_clean_chain_holds_every_checkpoint_of_it(draw: st.DataObject) -> None:
    n = draw.draw(st.integers(1, 40))
    entries = chain_of(n)
    sizes = draw.draw(st.lists(st.integers(1, n), min_size=1, max_size=5, unique=True))
    report = chain_check(
        links_of(entries),
        [checkpoint_at(entries, k) for k in sizes],
        chain="audit",
        public_key=KEY.public_key(),
    )
    assert report.ok
    assert report.checked == n
    assert report.checkpoints == len(sizes)
    assert report.last_good is not None
    assert report.last_good.statement.size == max(sizes)


@settings(max_examples=60)
@given(st.data())
def test_a_rechained_rewrite_passes_the_links_but_not_a_checkpoint_after_it(
    draw: st.DataObject,
) -> None:
    n = draw.draw(st.integers(2, 40))
    entries = chain_of(n)
    size = draw.draw(st.integers(1, n))
    edited = draw.draw(st.integers(1, n))
    checkpoint = checkpoint_at(entries, size)
    report = chain_check(
        links_of(rechained(entries, edited)),
        [checkpoint],
        chain="audit",
        public_key=KEY.public_key(),
    )
    assert report.broken is None  # every link and hash recomputed: the chain alone looks fine
    if edited <= size:
        assert [p.checkpoint for p in report.problems] == [checkpoint]
        assert "not the entry it signed" in report.problems[0].reason
    else:  # after the checkpoint: only a later checkpoint could tell
        assert report.ok


@settings(max_examples=40)
@given(st.data())
def test_a_chain_cut_below_a_checkpoint_is_found(draw: st.DataObject) -> None:
    n = draw.draw(st.integers(2, 40))
    entries = chain_of(n)
    size = draw.draw(st.integers(2, n))
    kept = draw.draw(st.integers(1, size - 1))
    report = chain_check(
        links_of(entries[:kept]),
        [checkpoint_at(entries, size)],
        chain="audit",
        public_key=KEY.public_key(),
    )
    assert report.broken is None
    assert "only" in report.problems[0].reason
    assert "earlier backup" in report.problems[0].reason


def test_a_forged_checkpoint_under_another_key_does_not_hold() -> None:
    entries = rechained(chain_of(10), 4)
    forged = checkpoint_at(entries, 10, key=OTHER_KEY)
    report = chain_check(links_of(entries), [forged], chain="audit", public_key=KEY.public_key())
    assert not report.ok
    assert "not the published key" in report.problems[0].reason


def test_the_problems_come_oldest_first_with_the_last_checkpoint_that_holds() -> None:
    entries = chain_of(20)
    checkpoints = [checkpoint_at(entries, k) for k in (15, 5, 10, 20)]
    report = chain_check(
        links_of(rechained(entries, 12)), checkpoints, chain="audit", public_key=KEY.public_key()
    )
    assert [p.checkpoint.statement.size for p in report.problems] == [15, 20]
    assert report.last_good is not None
    assert report.last_good.statement.size == 10


def test_an_inserted_entry_shifts_every_later_root() -> None:
    entries = chain_of(8)
    checkpoint = checkpoint_at(entries, 8)
    forged_fields = {"sequence": 4, "summary": "forged"}
    forged = StoredEntry(
        4, forged_fields, entries[2].hash, entry_hash(entries[2].hash, forged_fields)
    )
    tampered = [*entries[:3], forged, *entries[3:]]
    report = chain_check(
        links_of(tampered), [checkpoint], chain="audit", public_key=KEY.public_key()
    )
    assert report.broken is not None
    assert report.problems
    assert report.problems[0].checkpoint == checkpoint


def test_without_a_public_key_a_checkpoint_cannot_be_trusted() -> None:
    entries = chain_of(3)
    report = chain_check(
        links_of(entries), [checkpoint_at(entries, 3)], chain="audit", public_key=None
    )
    assert not report.ok
    assert "no public key" in report.problems[0].reason


def test_a_checkpoint_of_the_other_chain_is_not_taken_for_this_one() -> None:
    entries = chain_of(3)
    other = checkpoint_at(entries, 3)
    report = chain_check(
        links_of(entries), [other], chain="disclosure", public_key=KEY.public_key()
    )
    assert "for the audit log" in report.problems[0].reason
