"""Quota commands over HTTP (CONTRACT §4)."""
