"""The checkpoint signing key and the checkpoint log: two files outside the database (ADR 9).

The key is an Ed25519 private key in PKCS #8 PEM, so that OpenSSL reads it too:
ACCORD_CHECKPOINT_KEY_FILE, else DATA_DIR/keys/checkpoint.pem, created on first use with mode
0600 and refused if others can read it. Whoever administers the database without this file
cannot sign a checkpoint; back it up apart from the database, or every later checkpoint will
be under a new key that the published ones do not match.

The log is one JSON object per line per checkpoint, appended (ACCORD_CHECKPOINT_LOG, else
DATA_DIR/checkpoints.jsonl): deleting checkpoints from the database, or restoring an older
database, leaves them here for `accord verify-audit` to find.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accord.core.checkpoint import InvalidCheckpoint, SignedCheckpoint, Statement


def key_file() -> Path:
    if configured := settings.ACCORD_CHECKPOINT_KEY_FILE:
        return Path(configured)
    return Path(settings.DATA_DIR) / "keys" / "checkpoint.pem"


def log_file() -> Path:
    if configured := settings.ACCORD_CHECKPOINT_LOG:
        return Path(configured)
    return Path(settings.DATA_DIR) / "checkpoints.jsonl"


def signing_key() -> Ed25519PrivateKey:
    """The private key, created on first use. Two processes starting at once agree on one."""
    path = key_file()
    if not path.exists():
        _create_key(path)
    key = _read_key(path)
    if key is None:  # pragma: no cover - created just above
        raise ImproperlyConfigured(f"{path} could not be created")
    return key


def verifying_key() -> Ed25519PublicKey | None:
    """The public key, or None if no key was ever made (so nothing was ever signed)."""
    key = _read_key(key_file())
    return key.public_key() if key else None


def _read_key(path: Path) -> Ed25519PrivateKey | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{path} can be read by others: make it readable by Accord alone (chmod 600)"
        )
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key in PEM")
    return key


def _create_key(path: Path) -> None:
    """Write a new key atomically, and only if none exists: the first writer's key is kept."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # fails if the key appeared meanwhile
    except FileExistsError:
        pass
    finally:
        Path(temporary).unlink(missing_ok=True)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def public_raw(key: Ed25519PublicKey) -> str:
    """The 32 raw bytes, base64: what the key id is the SHA-256 of."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_key_from_pem(text: str) -> Ed25519PublicKey:
    key = load_pem_public_key(text.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


# --- Checkpoints as JSON: the log's lines, the API's items and downloaded files -----------------


def as_data(checkpoint: SignedCheckpoint) -> dict[str, Any]:
    s = checkpoint.statement
    return {
        "chain": s.chain,
        "size": s.size,
        "root": s.root,
        "last_hash": s.last_hash,
        "at": s.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_id": s.key_id,
        "statement": s.text(),
        "signature": base64.b64encode(checkpoint.signature).decode(),
    }


def from_data(data: Any) -> SignedCheckpoint:
    """A checkpoint from its JSON: the statement text is what was signed, and what counts."""
    if not isinstance(data, dict):
        raise InvalidCheckpoint("a checkpoint is a JSON object")
    statement, signature = data.get("statement"), data.get("signature")
    if not isinstance(statement, str) or not isinstance(signature, str):
        raise InvalidCheckpoint("a checkpoint has a statement and a signature (text)")
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        raise InvalidCheckpoint("the signature is not base64") from None
    if len(raw) != 64:
        raise InvalidCheckpoint("an Ed25519 signature is 64 bytes")
    return SignedCheckpoint(Statement.parse(statement), raw)


def log_append(checkpoint: SignedCheckpoint) -> None:
    """One line, in one write, flushed to disk (O_APPEND: concurrent workers never interleave)."""
    path = log_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps(as_data(checkpoint), separators=(",", ":")) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def log_read() -> Iterator[tuple[int, SignedCheckpoint | str]]:
    """(line number, the checkpoint or why the line is not one) for each line of the log."""
    try:
        handle = log_file().open(encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield number, from_data(json.loads(line))
            except (ValueError, InvalidCheckpoint) as error:
                yield number, str(error)
