"""Courses commands over HTTP (CONTRACT §5.2)."""
