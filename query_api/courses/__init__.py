"""Courses reads (CONTRACT §5.2)."""
