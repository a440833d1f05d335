"""Courses read models."""
