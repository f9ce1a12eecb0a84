"""The knowledge base once loaded: look-up by id, the law in force on a day, and search."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from accord.core.fields import suggestion
from accord.core.law.model import Provision


class UnknownProvision(KeyError):
    """No entry has this id."""

    def __init__(self, provision_id: str, hint: str = "") -> None:
        super().__init__(provision_id)
        self.provision_id = provision_id
        self.hint = hint

    def __str__(self) -> str:
        return f"no entry with id {self.provision_id!r}{self.hint}"


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Catalogue:
    """An immutable set of provisions with the version of the files they came from.

    `in_force_on(day)` narrows it to the law that applied on that day; the full catalogue is
    still reachable through `everything` so that a repealed provision can be explained.
    """

    def __init__(
        self,
        provisions: Iterable[Provision],
        *,
        version: str,
        on: dt.date | None = None,
        everything: Catalogue | None = None,
    ) -> None:
        self._by_id = {provision.id: provision for provision in provisions}
        self.version = version
        self.on = on
        self.everything: Catalogue = everything if everything is not None else self

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Provision]:
        return iter(self._by_id.values())

    def __contains__(self, provision_id: object) -> bool:
        return provision_id in self._by_id

    def find(self, provision_id: str) -> Provision | None:
        return self._by_id.get(provision_id)

    def get(self, provision_id: str) -> Provision:
        try:
            return self._by_id[provision_id]
        except KeyError:
            hint = suggestion(provision_id, self._by_id)
            raise UnknownProvision(provision_id, hint) from None

    def of_kind(self, kind: str) -> tuple[Provision, ...]:
        return tuple(p for p in self._by_id.values() if p.kind == kind)

    def in_force_on(self, day: dt.date) -> Catalogue:
        return Catalogue(
            (p for p in self.everything if p.in_force_on(day)),
            version=self.version,
            on=day,
            everything=self.everything,
        )

    def search(self, text: str, *, limit: int = 20) -> list[Provision]:
        """Entries ranked by how well they match: id, alias and title hits count most."""
        query = text.strip().lower()
        terms = _words(query)
        if not terms:
            return []
        scored: list[tuple[int, str, Provision]] = []
        for provision in self._by_id.values():
            score = _score(provision, query, terms)
            if score:
                scored.append((-score, provision.id, provision))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [provision for _, _, provision in scored[:limit]]


def _score(provision: Provision, query: str, terms: list[str]) -> int:
    aliases = [alias.lower() for alias in provision.aliases]
    gateway_words = ""
    if provision.gateway is not None:
        gateway_words = f"{provision.gateway.act} {provision.gateway.section}"
    title_words = set(_words(f"{provision.title} {provision.citation} {gateway_words}"))
    body_words = set(_words(f"{provision.summary} {provision.mapping_note} {' '.join(aliases)}"))
    if not all(term in title_words or term in body_words or term in provision.id for term in terms):
        return 0
    score = 1
    if query == provision.id.lower() or query in aliases:
        score += 100
    if any(query in alias for alias in aliases):
        score += 40
    if query in provision.title.lower() or query in provision.citation.lower():
        score += 30
    score += sum(10 for term in terms if term in title_words)
    return score
