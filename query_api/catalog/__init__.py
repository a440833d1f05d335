"""Catalog reads (CONTRACT §5.1): authors, tags, books and comments."""
