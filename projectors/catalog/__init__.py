"""Catalog read models: authors, tags, books (with their comments count) and comments."""
