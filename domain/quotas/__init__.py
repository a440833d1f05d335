"""Quotas: daily limits per action and what each user has used of them today (UTC)."""
