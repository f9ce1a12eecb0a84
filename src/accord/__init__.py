"""Accord: lawful, fair and safe data sharing between UK public bodies."""

__version__ = "0.1.0"
