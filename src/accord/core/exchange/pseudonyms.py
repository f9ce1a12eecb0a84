"""Keyed-hash pseudonyms, so two parties can ask "is this person known to you?" in the dark.

Both sides compute HMAC-SHA-256 of the normalised identifier under the agreement's own key;
only the pseudonyms travel. A different key per agreement stops pseudonyms from one agreement
being linked with another's. The normalisation is part of the contract and is published in the
API documentation: remove spaces, then lower-case.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def normalise(identifier: str) -> str:
    return "".join(identifier.split()).casefold()


def pseudonym(key: bytes, identifier: str) -> str:
    return hmac.new(key, normalise(identifier).encode(), hashlib.sha256).hexdigest()
