"""Quota reads (CONTRACT §4) from the quota read models."""
