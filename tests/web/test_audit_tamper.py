"""Tamper evidence: whatever an administrator does to either log in SQL, `accord verify-audit`
finds it. Editing, deleting, inserting, reordering and cutting entries break the chain; rolling
the database back to an earlier backup, or rewriting an entry and recomputing every hash after
it, leave a chain that verifies on its own, and only the signed checkpoints catch them.

Everything is tampered with through connection.cursor(), as someone with the database's
password would. Runs on SQLite, and on PostgreSQL in CI's second pass.
"""

# ruff: noqa: S608 - tampering in SQL, with table names from the models, is the point here

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client

from accord.apps.audit import keys
from accord.apps.audit.chains import AUDIT, CHECKPOINT_VERB, Chain, all_chains
from accord.apps.audit.models import AuditEntry, Checkpoint
from accord.apps.audit.services import (
    ChainBroken,
    chain_verify_links,
    chains_verify,
    checkpoint_issue,
    signed_of,
)
from accord.apps.audit.tasks import checkpoint as checkpoint_task
from accord.apps.exchange import lookups
from accord.apps.exchange.models import Dataset
from accord.apps.initiatives import services as initiatives
from accord.cli import main
from accord.core.audit import entry_hash
from accord.core.checkpoint import merkle_root
from tests.web.exchange_helpers import Sharing, live_agreement
from tests.web.test_exchange_lookup import UPN, pupils_dataset

pytestmark = pytest.mark.django_db

CHAIN_NAMES = ["audit", "disclosure"]
# A column each chain's hash covers that an administrator might want to rewrite.
EDITED = {"audit": "summary", "disclosure": "reason"}


class World:
    """A live agreement with entries in both logs, and the means to add more and sign."""

    def __init__(self, sharing: Sharing, dataset: Dataset, capture: Any) -> None:
        self.sharing, self.dataset, self.capture = sharing, dataset, capture

    def activity(self, rounds: int = 4) -> None:
        """People at work: look-ups (the disclosure log) and an initiative (the audit log)."""
        for n in range(rounds):
            lookups.lookup(
                actor=self.sharing.practitioner,
                agreement=self.sharing.agreement,
                dataset=self.dataset,
                identifier=UPN,
                reason=f"Attendance below 90%, visit {n}",
            )
        initiatives.initiative_create(
            actor=self.sharing.council_ig, lead=self.sharing.council, title="Another"
        )

    def sign(self) -> list[Checkpoint]:
        """checkpoint_issue, with its after-commit work (the log file) run as on commit."""
        with self.capture(execute=True):
            return checkpoint_issue()


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> World:
    sharing = live_agreement()
    world = World(sharing, pupils_dataset(sharing), django_capture_on_commit_callbacks)
    world.activity(rounds=8)
    return world


def chain_named(name: str) -> Chain:
    return next(c for c in all_chains() if c.name == name)


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(chain: Chain) -> str:
    return q(chain.entry_model._meta.db_table)


def head_table(chain: Chain) -> str:
    return q(chain.head_model._meta.db_table)


def size(chain: Chain) -> int:
    head = chain.head()
    assert head is not None
    return head[0]


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["verify-audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- The tampering, in SQL ------------------------------------------------------------------------


def edit(chain: Chain, sequence: int) -> None:
    sql(
        f"UPDATE {table(chain)} SET {q(EDITED[chain.name])} = %s WHERE sequence = %s",
        ["Nothing to see here", sequence],
    )


def delete(chain: Chain, sequence: int) -> None:
    sql(f"DELETE FROM {table(chain)} WHERE sequence = %s", [sequence])


def insert(chain: Chain, after: int) -> None:
    """A forged entry after #after, linked to it and hashed properly; the rest moved up one."""
    model = chain.entry_model
    original = model._default_manager.get(sequence=after)
    fields = chain.fields(chain.row_of(original))
    fields["sequence"] = after + 1
    fields[{"audit": "summary", "disclosure": "reason"}[chain.name]] = "Forged"
    forged_hash = entry_hash(original.hash, fields)  # type: ignore[attr-defined]
    sql(f"UPDATE {table(chain)} SET sequence = sequence + 1000000 WHERE sequence > %s", [after])
    sql(f"UPDATE {table(chain)} SET sequence = sequence - 999999 WHERE sequence > 1000000")
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    overrides = {
        "sequence": after + 1,
        EDITED[chain.name]: "Forged",
        "previous_hash": original.hash,  # type: ignore[attr-defined]
        "hash": forged_hash,
    }
    select, params = [], []
    for field in columns:
        if field.attname in overrides:
            select.append("%s")
            params.append(overrides[field.attname])
        else:
            select.append(q(field.column))
    names = ", ".join(q(f.column) for f in columns)
    sql(
        f"INSERT INTO {table(chain)} ({names}) SELECT {', '.join(select)} "
        f"FROM {table(chain)} WHERE sequence = %s",
        [*params, after],
    )


def reorder(chain: Chain, first: int) -> None:
    sql(f"UPDATE {table(chain)} SET sequence = -1 WHERE sequence = %s", [first])
    sql(f"UPDATE {table(chain)} SET sequence = %s WHERE sequence = %s", [first, first + 1])
    sql(f"UPDATE {table(chain)} SET sequence = %s WHERE sequence = -1", [first + 1])


def truncate(chain: Chain, keep: int) -> None:
    """Cut the tail and set the head to the new last entry, as a careful administrator would."""
    sql(f"DELETE FROM {table(chain)} WHERE sequence > %s", [keep])
    last = chain.entry_model._default_manager.get(sequence=keep)
    sql(
        f"UPDATE {head_table(chain)} SET sequence = %s, hash = %s WHERE id = 1",
        [keep, last.hash],  # type: ignore[attr-defined]
    )


def rechain(chain: Chain, sequence: int) -> None:
    """Rewrite entry #sequence and recompute its hash and every later one, and the head's."""
    edit(chain, sequence)
    rows = chain.entry_model._default_manager.filter(sequence__gte=sequence).order_by("sequence")
    previous = chain.entry_model._default_manager.get(sequence=sequence - 1).hash  # type: ignore[attr-defined]
    for entry in rows:
        new = entry_hash(previous, chain.fields(chain.row_of(entry)))
        sql(
            f"UPDATE {table(chain)} SET previous_hash = %s, hash = %s WHERE sequence = %s",
            [previous, new, entry.sequence],  # type: ignore[attr-defined]
        )
        previous = new
    sql(f"UPDATE {head_table(chain)} SET hash = %s WHERE id = 1", [previous])


class Backup:
    """What a database backup holds: both logs and the checkpoints, up to the moment taken."""

    def __init__(self) -> None:
        self.sizes = {c.name: size(c) for c in all_chains()}
        self.heads = {c.name: c.head() for c in all_chains()}
        self.last_checkpoint = Checkpoint.objects.order_by("-id").values_list("id", flat=True)[0]

    def restore(self) -> None:
        for chain in all_chains():
            sql(f"DELETE FROM {table(chain)} WHERE sequence > %s", [self.sizes[chain.name]])
            sequence, hash_ = self.heads[chain.name]  # type: ignore[misc]
            sql(
                f"UPDATE {head_table(chain)} SET sequence = %s, hash = %s WHERE id = 1",
                [sequence, hash_],
            )
        sql(f"DELETE FROM {q(Checkpoint._meta.db_table)} WHERE id > %s", [self.last_checkpoint])


# --- A clean log verifies ---------------------------------------------------------------------


def test_clean_logs_and_their_checkpoints_verify(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.sign()
    world.activity()
    world.sign()
    code, out, err = verify(capsys)
    assert (code, err) == (0, "")
    assert "The audit log verifies" in out
    assert "The disclosure log verifies" in out
    assert "2 signed checkpoints hold" in out
    assert len(keys.log_file().read_text().splitlines()) == 4


# --- Each kind of tampering, in each log ------------------------------------------------------


@pytest.mark.parametrize("name", CHAIN_NAMES)
@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (lambda c: edit(c, 3), "entry #3 its content does not match its hash"),
        (lambda c: delete(c, 4), "entry #5 sequence jumps from 3 to 5"),
        (lambda c: insert(c, 3), "entry #5 does not link to the entry before it"),
        (lambda c: reorder(c, 2), "entry #2 does not link to the entry before it"),
    ],
    ids=["edit", "delete", "insert", "reorder"],
)
def test_editing_deleting_inserting_or_reordering_an_entry_is_found(
    world: World,
    capsys: pytest.CaptureFixture[str],
    name: str,
    tamper: Callable[[Chain], None],
    named: str,
) -> None:
    world.sign()
    chain = chain_named(name)
    tamper(chain)
    code, _, err = verify(capsys)
    assert code == 1
    assert f"the {chain.label} does NOT verify: {named}" in err


@pytest.mark.parametrize("name", CHAIN_NAMES)
def test_cutting_the_tail_and_moving_the_head_back_is_found_by_the_checkpoint(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    chain = chain_named(name)
    world.sign()
    signed = size(chain) if name == "disclosure" else size(chain) - 2  # two checkpoint entries
    truncate(chain, 5)
    assert chain_verify_links(chain) == (5, None)  # the chain alone looks whole
    code, _, err = verify(capsys)
    assert code == 1
    assert (
        f"the {chain.label} does NOT match the checkpoint of the {name} log at {signed} entries"
    ) in err
    assert f"it covers {signed:,} entries but only 5 are stored" in err


@pytest.mark.parametrize("name", CHAIN_NAMES)
def test_a_database_restored_from_an_earlier_backup_is_found_by_the_logged_checkpoints(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    chain = chain_named(name)
    world.sign()
    backup = Backup()
    world.activity()
    later = next(c for c in world.sign() if c.chain == name)
    backup.restore()  # the logs, their heads and the checkpoints, all as they were

    assert chain_verify_links(chain)[1] is None  # the chain alone looks fine
    assert not Checkpoint.objects.filter(pk=later.pk).exists()
    code, _, err = verify(capsys)
    assert code == 1
    assert f"the {chain.label} does NOT match {signed_label(later)}" in err
    assert f"it covers {later.size:,} entries but only {backup.sizes[name]:,} are stored" in err
    # And the same rollback with people back at work since: the roots no longer match.
    world.activity(rounds=6)
    code, _, err = verify(capsys)
    assert code == 1
    assert f"the {chain.label} does NOT match {signed_label(later)}" in err


@pytest.mark.parametrize("name", CHAIN_NAMES)
def test_rewriting_an_entry_and_recomputing_every_hash_is_found_by_the_checkpoint(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    chain = chain_named(name)
    first = next(c for c in world.sign() if c.chain == name)
    world.activity()
    second = next(c for c in world.sign() if c.chain == name)
    rechain(chain, first.size + 1)  # after the first checkpoint, before the second

    assert chain_verify_links(chain)[1] is None  # every link and hash was recomputed
    code, _, err = verify(capsys)
    assert code == 1
    assert f"the {chain.label} does NOT match {signed_label(second)}" in err
    assert "is not the entry it signed" in err
    assert (
        f"the first {first.size:,} entries are as signed, so the change is among entries "
        f"#{first.size + 1} to #{second.size}"
    ) in err


@pytest.mark.parametrize("name", CHAIN_NAMES)
def test_a_rewrite_with_the_checkpoints_deleted_or_forged_in_the_database_is_still_found(
    world: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    chain = chain_named(name)
    signed = next(c for c in world.sign() if c.chain == name)
    rechain(chain, 2)
    # Forge the stored checkpoint to the new chain (the administrator has no key to sign it)...
    new_root = merkle_root(
        bytes.fromhex(h)
        for h in chain.entry_model._default_manager.filter(sequence__lte=signed.size)
        .order_by("sequence")
        .values_list("hash", flat=True)
    ).hex()
    sql(f"UPDATE {q(Checkpoint._meta.db_table)} SET root = %s WHERE id = %s", [new_root, signed.pk])
    code, _, err = verify(capsys)
    assert code == 1
    assert "its signature does not verify under the published key" in err
    # ...or delete it: the log outside the database still has it.
    sql(f"DELETE FROM {q(Checkpoint._meta.db_table)} WHERE id = %s", [signed.pk])
    code, _, err = verify(capsys)
    assert code == 1
    assert "it is in the checkpoint log but not in the database" in err


def signed_label(checkpoint: Checkpoint) -> str:
    """How verify-audit names a checkpoint: "the checkpoint of the audit log at 40 entries..."."""
    return signed_of(checkpoint).label


# --- Checkpoints published and downloaded -------------------------------------------------------


def test_checkpoints_downloaded_from_the_register_catch_a_rollback_even_without_the_log(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world.sign()
    backup = Backup()
    world.activity()
    world.sign()
    published = Client().get("/api/v1/transparency/checkpoints")
    assert published.status_code == 200
    download = tmp_path / "checkpoints.json"
    download.write_bytes(published.content)

    backup.restore()
    keys.log_file().unlink()  # the administrator can reach the log file too
    assert verify(capsys)[0] == 0  # nothing left on the server shows it

    code, _, err = verify(capsys, "--checkpoints", str(download))
    assert code == 1
    assert "it is in the checkpoints given but not in the database" in err


def test_checkpoints_given_in_a_file_that_is_not_one_are_refused_plainly(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"checkpoints": [{"statement": "hello", "signature": "AAAA"}]}))
    code, _, err = verify(capsys, "--checkpoints", str(bad))
    assert code == 2
    assert "holds something that is not a checkpoint" in err
    code, _, err = verify(capsys, "--checkpoints", str(tmp_path / "missing.json"))
    assert code == 2
    assert "no such file" in err


# --- Issuing ----------------------------------------------------------------------------------


def test_a_checkpoint_is_signed_only_when_a_log_has_grown_and_is_audited_and_logged(
    world: World,
) -> None:
    first = world.sign()
    assert [c.chain for c in first] == ["audit", "disclosure"]
    audit_checkpoint = first[0]
    entry = AuditEntry.objects.get(verb=CHECKPOINT_VERB, object_id=str(audit_checkpoint.pk))
    assert entry.data["root"] == audit_checkpoint.root
    assert audit_checkpoint.size == entry.sequence - 1  # signed up to just before its entry
    # The audit log grew only by the checkpoints' own entries: nothing more to sign.
    assert world.sign() == []
    world.activity(rounds=1)
    assert {c.chain for c in world.sign()} == {"audit", "disclosure"}
    lines = keys.log_file().read_text().splitlines()
    assert [json.loads(line)["size"] for line in lines] == [
        c.size for c in Checkpoint.objects.order_by("id")
    ]


def test_a_checkpoint_carried_on_from_the_last_one_has_the_root_of_the_whole_log(
    world: World,
) -> None:
    world.sign()
    world.activity()
    for checkpoint in world.sign():
        chain = chain_named(checkpoint.chain)
        hashes = (
            chain.entry_model._default_manager.filter(sequence__lte=checkpoint.size)
            .order_by("sequence")
            .values_list("hash", flat=True)
        )
        assert checkpoint.root == merkle_root(bytes.fromhex(h) for h in hashes).hex()


def test_a_log_that_does_not_verify_is_not_signed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.sign()
    world.activity()
    edit(AUDIT, size(AUDIT) - 1)
    before = Checkpoint.objects.count()
    with pytest.raises(ChainBroken, match="does not verify at entry"):
        world.sign()
    assert Checkpoint.objects.count() == before
    assert main(["checkpoint"]) == 1
    assert "no checkpoint was signed" in capsys.readouterr().err


def test_the_worker_task_and_the_command_sign_checkpoints(
    world: World, capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        signed = checkpoint_task.call()
    assert set(signed) == {"audit", "disclosure"}
    world.activity(rounds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert main(["checkpoint"]) == 0
    assert "Signed a checkpoint of the disclosure log" in capsys.readouterr().out
    assert main(["checkpoint"]) == 0
    assert "Nothing to sign" in capsys.readouterr().out


# --- The key ------------------------------------------------------------------------------------


def test_the_signing_key_is_made_once_outside_the_database_readable_by_accord_alone(
    world: World,
) -> None:
    world.sign()
    path = keys.key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    made = path.read_bytes()
    assert b"BEGIN PRIVATE KEY" in made
    world.activity(rounds=1)
    world.sign()
    assert path.read_bytes() == made
    os.chmod(path, 0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        keys.signing_key()


def test_the_key_file_and_log_can_be_put_elsewhere(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.ACCORD_CHECKPOINT_KEY_FILE = str(tmp_path / "secrets" / "accord.pem")
    settings.ACCORD_CHECKPOINT_LOG = str(tmp_path / "ledger" / "checkpoints.log")
    world.sign()
    assert (tmp_path / "secrets" / "accord.pem").exists()
    assert len((tmp_path / "ledger" / "checkpoints.log").read_text().splitlines()) == 2
    assert chains_verify().ok


def test_checkpoints_signed_under_a_key_since_replaced_do_not_hold(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.sign()
    keys.key_file().unlink()
    world.activity(rounds=1)
    world.sign()  # a new key is made: the old checkpoints no longer check
    code, _, err = verify(capsys)
    assert code == 1
    assert "not the published key" in err


def test_with_the_key_file_gone_the_checkpoints_cannot_be_checked_and_it_says_so(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.sign()
    keys.key_file().unlink()
    code, _, err = verify(capsys)
    assert code == 1
    assert f"no key file at {keys.key_file()}" in err
    assert "no public key to check it with" in err


# --- Races (PostgreSQL) ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every write, so no race can happen; "
    ".ci/run runs this file again with DATABASE_URL set to PostgreSQL",
)
def test_two_workers_signing_at_once_sign_each_log_once() -> None:
    from tests.web.races import at_once

    sharing = live_agreement()
    dataset = pupils_dataset(sharing)
    world = World(sharing, dataset, None)
    for _ in range(10):
        world.activity(rounds=2)
        before = Checkpoint.objects.count()
        results, errors = at_once(checkpoint_issue, checkpoint_issue)
        assert errors == []
        issued = [c for batch in results for c in batch]
        assert sorted(c.chain for c in issued) == ["audit", "disclosure"]
        assert Checkpoint.objects.count() == before + 2
    assert chains_verify().ok
    sizes = [json.loads(line)["size"] for line in keys.log_file().read_text().splitlines()]
    assert len(sizes) == Checkpoint.objects.count()


@pytest.fixture(autouse=True)
def _no_stray_key(settings: Any) -> None:
    # Each test's DATA_DIR is its own tmp_path (tests/web/conftest.py): so are its key and log.
    assert not settings.ACCORD_CHECKPOINT_KEY_FILE
    assert not settings.ACCORD_CHECKPOINT_LOG
