"""Quota read models: limits and daily usage."""
