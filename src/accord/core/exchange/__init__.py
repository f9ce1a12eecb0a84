"""The exchange: a signed agreement as the policy for every disclosure (pure Python).

`terms` reads the exchange terms out of an agreement version; `decision.decide` allows or
refuses one disclosure against them and says why, naming the clauses; `pseudonyms` makes the
keyed hashes the match service compares instead of identifiers.
"""
