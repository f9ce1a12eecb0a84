"""Accord's core: law as data, the assessment rules and the decisions built on them.

Pure Python. Nothing here imports Django or the outer layers (an import-linter contract keeps it
so), reads the clock or touches the network: dates and the law are passed in.
"""
