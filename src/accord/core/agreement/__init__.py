"""The Data Sharing Agreement as data: its sections, drafting, versions, differences and sign-off.

Pure Python. An agreement's content is a JSON-ready dict (format accord.agreement/1) drafted from
the initiative and its assessment; each version of it is hashed (SHA-256 of its canonical JSON),
and signatures bind to that hash.
"""
