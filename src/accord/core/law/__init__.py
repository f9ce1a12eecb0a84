"""UK information law as data: provisions, conditions and gateways, each with its source."""

from accord.core.law.catalogue import Catalogue, UnknownProvision
from accord.core.law.loader import LawError, default_law, load_law
from accord.core.law.model import GatewayTerms, Provision

__all__ = [
    "Catalogue",
    "GatewayTerms",
    "LawError",
    "Provision",
    "UnknownProvision",
    "default_law",
    "load_law",
]
