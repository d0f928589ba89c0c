"""Hearth: a self-hosted community forum with built-in ambassador detection."""

__version__ = "0.1.0"
