"""Shared files at rest, encrypted with age (X25519), so a copy of the disk gives nothing away.

The age identity (the secret key) lives in a file of its own, never in the database: by default
DATA_DIR/keys/exchange.agekey, created on first use with mode 0600, or the file named by the
ACCORD_EXCHANGE_KEY_FILE environment variable. It is in age's own format, so an operator can
decrypt a stored file with the age command line: `age -d -i exchange.agekey <file>`.

Each file is encrypted in memory and written under DATA_DIR/exchange/<stored name> through a
temporary file and an atomic rename (mode 0600): the plaintext never touches the disk, and no
reader ever sees half a file. Losing the key file loses every shared file; back it up apart
from the data directory.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Final

import pyrage
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accord.web.private_files import write_private

KEY_FILE_ENV: Final = "ACCORD_EXCHANGE_KEY_FILE"
_STORED_NAME: Final = re.compile(r"[0-9a-f]{32}")
_SECRET_PREFIX: Final = "AGE-SECRET-KEY-1"  # noqa: S105 (how age writes a key, not a key)


class StoredFileMissing(Exception):
    """The encrypted file is not on disk (removed, or a data directory restored without it)."""


def key_file() -> Path:
    """Where the identity is kept: ACCORD_EXCHANGE_KEY_FILE, else DATA_DIR/keys/exchange.agekey."""
    if configured := os.environ.get(KEY_FILE_ENV):
        return Path(configured)
    return Path(settings.DATA_DIR) / "keys" / "exchange.agekey"


def files_dir() -> Path:
    return Path(settings.DATA_DIR) / "exchange"


def _identity() -> Any:
    """The age identity, created on first use. Two processes starting at once agree on one."""
    path = key_file()
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        _create_key(path)
        text = path.read_text(encoding="ascii")
    if path.stat().st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{path} can be read by others: make it readable by Accord alone (chmod 600)"
        )
    secret = next(
        (line.strip() for line in text.splitlines() if line.startswith(_SECRET_PREFIX)), ""
    )
    try:
        return pyrage.x25519.Identity.from_str(secret)
    except pyrage.IdentityError:
        raise ImproperlyConfigured(
            f"{path} does not hold an age X25519 identity (a line starting {_SECRET_PREFIX})"
        ) from None


def _create_key(path: Path) -> None:
    """Write a new identity in age's key file format, atomically and only if none exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    identity = pyrage.x25519.Identity.generate()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = f"# created: {created}\n# public key: {identity.to_public()}\n{identity}\n"
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link fails if the key appeared meanwhile: the first writer's key is kept.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        Path(temporary).unlink(missing_ok=True)


def _path(stored_name: str) -> Path:
    if not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return files_dir() / stored_name


def encrypt_to_store(stored_name: str, plaintext: bytes) -> Path:
    """Encrypt `plaintext` to the identity and write it as `stored_name`. Returns its path."""
    path = _path(stored_name)
    ciphertext: bytes = pyrage.encrypt(plaintext, [_identity().to_public()])
    write_private(path, ciphertext)
    return path


def decrypt_from_store(stored_name: str) -> bytes:
    """The plaintext of a stored file, in memory only."""
    try:
        ciphertext = _path(stored_name).read_bytes()
    except FileNotFoundError:
        raise StoredFileMissing(stored_name) from None
    plaintext: bytes = pyrage.decrypt(ciphertext, [_identity()])
    return plaintext


def remove_from_store(stored_name: str) -> None:
    _path(stored_name).unlink(missing_ok=True)
