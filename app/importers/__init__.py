"""Importers that bring existing communities into Hearth (Stack Exchange data dumps first)."""
