"""Why a worker may not run or go on with a job."""
from __future__ import annotations

from domain.errors import ConflictError


class JobNotClaimableError(ConflictError):
    """The job is finished, held by a live lease, or not due for its retry yet."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Job not claimable: {reason}")


class LeaseLostError(ConflictError):
    """Another worker holds the job now: this one must stop working on it."""

    def __init__(self) -> None:
        super().__init__("The job's lease belongs to another worker")
