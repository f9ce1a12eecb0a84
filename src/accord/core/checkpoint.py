"""Signed checkpoints over a hash chain (pure functions).

The chain (accord.core.audit) shows that an entry was changed unless every later hash was
recomputed; a checkpoint shows that nobody recomputed them. It is a short statement naming the
chain, its size, the Merkle tree hash of its first `size` entry hashes and the last of them,
signed with an Ed25519 key the database never holds. Published, it lets anyone check later that
the chain still begins with exactly those entries: a rewritten, truncated or restored chain no
longer gives the signed root, and a new statement cannot be signed without the key.

The tree is RFC 9162's (§2.1.1, as RFC 6962): a leaf is SHA-256(0x00 || entry hash) and a node
SHA-256(0x01 || left || right), so a node can never pass for a leaf; the tree over n leaves
splits at the largest power of two below n. `Frontier` keeps only the roots of the perfect
subtrees covering the leaves so far, so one pass over a chain gives the root at every size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.core.audit import GENESIS, Break, Link, StoredEntry, canonical_json

FORMAT: Final = "accord.checkpoint/1"
CHAINS: Final = ("audit", "disclosure")
_LEAF, _NODE = b"\x00", b"\x01"
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


class Frontier:
    """The Merkle tree over the leaves added so far, kept as its perfect subtrees' roots.

    Adding a leaf merges equal-sized subtrees like a binary counter carries, so the stack holds
    one root per bit set in `size`, largest first; folding it from the right gives the tree hash.
    """

    __slots__ = ("_roots", "size")

    def __init__(self, size: int = 0, roots: Sequence[bytes] = ()) -> None:
        if size < 0 or len(roots) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} subtree roots")
        self.size = size
        self._roots = list(roots)

    def add(self, data: bytes) -> None:
        node, carry, roots = hashlib.sha256(_LEAF + data).digest(), self.size, self._roots
        while carry & 1:
            node = hashlib.sha256(_NODE + roots.pop() + node).digest()
            carry >>= 1
        roots.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._roots:
            return _EMPTY_ROOT
        node = self._roots[-1]
        for left in reversed(self._roots[:-1]):
            node = node_hash(left, node)
        return node

    def roots(self) -> tuple[bytes, ...]:
        return tuple(self._roots)


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    """RFC 9162's Merkle tree hash of the leaves, in order."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.add(leaf)
    return frontier.root()


# --- The statement and its signature ------------------------------------------------------------


class InvalidCheckpoint(ValueError):
    """A statement or signature that is not in the published format."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's fingerprint: SHA-256 of its 32 raw bytes, in hex."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


@dataclass(frozen=True, slots=True)
class Statement:
    """What a checkpoint says: chain `chain` had `size` entries, with this root and last hash."""

    chain: str
    size: int
    root: str  # hex
    last_hash: str  # the hash of entry `size`, hex
    at: dt.datetime  # when it was signed (UTC)
    key_id: str

    def text(self) -> str:
        """The exact bytes signed, as UTF-8: one "name value" line each, in this order."""
        at = self.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"{FORMAT}\nchain {self.chain}\nsize {self.size}\nroot {self.root}\n"
            f"last {self.last_hash}\nat {at}\nkey {self.key_id}\n"
        )

    @classmethod
    def parse(cls, text: str) -> Statement:
        lines = text.split("\n")
        names = ("chain", "size", "root", "last", "at", "key")
        if len(lines) != 8 or lines[0] != FORMAT or lines[-1] != "":
            raise InvalidCheckpoint(f"not an {FORMAT} statement")
        values: dict[str, str] = {}
        for name, line in zip(names, lines[1:-1], strict=True):
            given, _, value = line.partition(" ")
            if given != name:
                raise InvalidCheckpoint(f"expected the line {name!r}, found {given!r}")
            values[name] = value
        try:
            statement = cls(
                chain=values["chain"],
                size=int(values["size"]),
                root=values["root"],
                last_hash=values["last"],
                at=dt.datetime.strptime(values["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC),
                key_id=values["key"],
            )
        except ValueError as error:
            raise InvalidCheckpoint(str(error)) from None
        if statement.text() != text or statement.size < 1:
            raise InvalidCheckpoint("not in canonical form")
        if statement.chain not in CHAINS:
            raise InvalidCheckpoint(f"no log is called {statement.chain!r}")
        if not all(_HEX64.fullmatch(v) for v in (statement.root, statement.last_hash)):
            raise InvalidCheckpoint("the root and the last hash are 64 hex digits")
        return statement


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    statement: Statement
    signature: bytes  # Ed25519 over statement.text() in UTF-8, 64 bytes

    @property
    def label(self) -> str:
        s = self.statement
        return f"the checkpoint of the {s.chain} log at {s.size:,} entries, signed {self.signed}"

    @property
    def signed(self) -> str:
        return self.statement.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def checkpoint_sign(
    *,
    chain: str,
    frontier: Frontier,
    last_hash: str,
    at: dt.datetime,
    private_key: Ed25519PrivateKey,
) -> SignedCheckpoint:
    """Sign the state of `chain` after `frontier.size` entries, the last hashing to last_hash."""
    if frontier.size < 1:
        raise ValueError("an empty chain has nothing to sign")
    statement = Statement(
        chain=chain,
        size=frontier.size,
        root=frontier.root().hex(),
        last_hash=last_hash,
        at=at.astimezone(dt.UTC).replace(microsecond=0),
        key_id=key_id(private_key.public_key()),
    )
    return SignedCheckpoint(statement, private_key.sign(statement.text().encode()))


def signature_problem(checkpoint: SignedCheckpoint, public_key: Ed25519PublicKey) -> str | None:
    """Why the signature does not hold under the published key, or None if it does."""
    if checkpoint.statement.key_id != key_id(public_key):
        return (
            f"it names key {checkpoint.statement.key_id[:16]}…, not the published key "
            f"{key_id(public_key)[:16]}…"
        )
    try:
        public_key.verify(checkpoint.signature, checkpoint.statement.text().encode())
    except InvalidSignature:
        return "its signature does not verify under the published key: it was not signed by it"
    return None


# --- Checking a chain and its checkpoints in one pass -------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckpointProblem:
    checkpoint: SignedCheckpoint
    reason: str


@dataclass(slots=True)
class ChainReport:
    """The first break in the links, and every checkpoint that does not hold, oldest first."""

    chain: str
    checked: int = 0
    broken: Break | None = None
    checkpoints: int = 0
    problems: list[CheckpointProblem] = field(default_factory=list)
    last_good: SignedCheckpoint | None = None  # the largest checkpoint that holds
    frontier: Frontier = field(default_factory=Frontier)  # the tree over every entry read
    last: tuple[int, str] | None = None  # (sequence, hash) of the last entry read

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.problems


def chain_check(
    links: Iterable[Link],
    checkpoints: Iterable[SignedCheckpoint] = (),
    *,
    chain: str,
    public_key: Ed25519PublicKey | None = None,
    start: tuple[Frontier, int, str] | None = None,
) -> ChainReport:
    """Check every link and hash, and every checkpoint's signature and root, in one pass.

    Links come in chain order, from the first entry, or from the one after `start` (the tree,
    sequence and hash of the last entry already checked). A checkpoint holds when it is signed
    under `public_key`, the chain has at least its size, and the root and last hash of the first
    `size` entries stored are the ones it states. Roots are computed over the entries as stored,
    so checkpoints are checked even past a break in the links: they bound how far back a
    rewrite reaches.
    """
    report = ChainReport(chain)
    due: dict[int, list[SignedCheckpoint]] = {}
    signed: list[SignedCheckpoint] = []
    for checkpoint in checkpoints:
        report.checkpoints += 1
        problem = (
            f"it is for the {checkpoint.statement.chain} log"
            if checkpoint.statement.chain != chain
            else "no public key to check it with"
            if public_key is None
            else signature_problem(checkpoint, public_key)
        )
        if problem:
            report.problems.append(CheckpointProblem(checkpoint, problem))
        else:
            signed.append(checkpoint)
            due.setdefault(checkpoint.statement.size, []).append(checkpoint)

    frontier, expected, previous = Frontier(), None, GENESIS
    if start is not None:
        frontier, expected, previous = start[0], start[1] + 1, start[2]
    sequence, hash_ = 0, previous
    broken: Break | None = None
    # The hot loop: a million entries in a few seconds, so the checks are written out here.
    sha256, fromhex, add, size = hashlib.sha256, bytes.fromhex, frontier.add, frontier.size
    for sequence, canonical, previous_hash, hash_ in links:
        if broken is None:
            if expected is not None and sequence != expected:
                broken = Break(
                    sequence,
                    f"sequence jumps from {expected - 1} to {sequence}: an entry is missing",
                )
            elif previous_hash != previous:
                broken = Break(sequence, "does not link to the entry before it")
            elif sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest() != hash_:
                broken = Break(sequence, "its content does not match its hash")
            expected, previous = sequence + 1, hash_
        add(fromhex(hash_))
        size += 1
        if size in due:
            for checkpoint in due.pop(size):
                if checkpoint.statement.last_hash != hash_:
                    reason = (
                        f"the last of the first {size:,} entries stored (#{sequence}) is not "
                        "the entry it signed: the chain up to there was changed or rebuilt"
                    )
                    report.problems.append(CheckpointProblem(checkpoint, reason))
                elif checkpoint.statement.root != frontier.root().hex():
                    reason = (
                        f"the Merkle root of the first {size:,} entries is not the signed one: "
                        "an entry up to there was changed, added or removed"
                    )
                    report.problems.append(CheckpointProblem(checkpoint, reason))
    report.broken, report.frontier, report.checked = broken, frontier, size
    if size:
        report.last = (sequence, hash_)
    for waiting in due.values():
        for checkpoint in waiting:
            reason = (
                f"it covers {checkpoint.statement.size:,} entries but only {size:,} are "
                "stored: entries were removed, or the database was restored from an earlier "
                "backup"
            )
            report.problems.append(CheckpointProblem(checkpoint, reason))
    failed = {id(p.checkpoint) for p in report.problems}
    good = [c for c in signed if id(c) not in failed]
    report.last_good = max(good, key=lambda c: c.statement.size, default=None)
    report.problems.sort(key=lambda p: (p.checkpoint.statement.size, p.checkpoint.statement.at))
    return report


def links_of(entries: Iterable[StoredEntry]) -> Iterator[Link]:
    """Entries with their fields as mappings, as links for `chain_check`."""
    for entry in entries:
        yield entry.sequence, canonical_json(entry.fields), entry.previous_hash, entry.hash


def distinct(checkpoints: Iterable[SignedCheckpoint]) -> list[SignedCheckpoint]:
    """Each checkpoint once, though the database, the log file and a download all hold it."""
    seen: dict[tuple[str, bytes], SignedCheckpoint] = {}
    for checkpoint in checkpoints:
        seen.setdefault((checkpoint.statement.text(), checkpoint.signature), checkpoint)
    return list(seen.values())
