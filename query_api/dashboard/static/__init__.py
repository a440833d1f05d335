"""Package data: the dashboard page and its assets (see query_api/dashboard/pages.py)."""
