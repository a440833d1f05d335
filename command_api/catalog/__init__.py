"""Catalog commands over HTTP (CONTRACT §5.1)."""
