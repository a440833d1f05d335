"""Catalog: authors, tags, books and their comments (CONTRACT §5.1)."""
