"""Static files in production mode: hashed names, compressed, and no stop on a missing reference."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """WhiteNoise's storage: each file under a name carrying a hash of its content, gzipped.

    GOV.UK Frontend's stylesheet names the crest and its script a source map; Accord ships
    neither (it is not a GOV.UK service, and the map is not copied), so `collectstatic` would
    stop there. A reference to a file that does not exist is left as written instead: the
    browser never needs it, and every file that does exist is still hashed.
    """

    def hashed_name(self, name: str, content: Any = None, filename: str | None = None) -> str:
        path = urlsplit(unquote(filename or name)).path.strip()
        if content is None and path and not self.exists(path):
            logger.info("Static files: %s is referred to but not shipped; left as written", path)
            return name
        hashed: str = super().hashed_name(name, content, filename)
        return hashed

    def create_compressor(self, **kwargs: Any) -> Any:
        """Gzip only: Brotli at its best setting takes 40 s over the admin's and the API
        documentation's scripts, at every start of production mode, and gzip takes 2 s."""
        return super().create_compressor(use_brotli=False, **kwargs)
