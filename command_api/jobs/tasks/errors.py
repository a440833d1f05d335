"""How a task says that trying again cannot help."""
from __future__ import annotations


class PermanentJobError(Exception):
    """A job that cannot succeed by trying again (a malformed file): it fails at once."""
