"""Projections (event → read-model rows) and the drivers that feed them events."""
