"""Jobs commands: requests from the API, and the claims and outcomes of workers."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.application import ContextApplication
from domain.jobs.broadcast import Broadcast
from domain.jobs.contacts_import import ContactsImport
from domain.jobs.errors import JobNotClaimableError
from domain.jobs.job import Image, Job, Report


class JobsApplication(ContextApplication):
    def request_report(self, owner_id: UUID) -> Report:
        report = Report(owner_id)
        self.save(report)
        return report

    def upload_image(self, owner_id: UUID, key: str, name: str, content_type: str, size: int) -> Image:
        image = Image(owner_id, key, name, content_type, size)
        self.save(image)
        return image

    def request_contacts_import(self, owner_id: UUID, file_key: str, file_name: str) -> ContactsImport:
        job = ContactsImport(owner_id, file_key, file_name)
        self.save(job)
        return job

    def request_broadcast(self, owner_id: UUID, subject: str, body: str) -> Broadcast:
        broadcast = Broadcast(owner_id, subject, body)
        self.save(broadcast)
        return broadcast

    def claim(self, job_id: UUID, worker: str, now: datetime, lease_seconds: float) -> Job | None:
        """The job, now held by `worker`; None if it is not claimable or another worker won."""
        job = self.load(Job, job_id)
        try:
            claimed = job.claim(worker, now, lease_seconds)
            self.save(job)
        except (JobNotClaimableError, IntegrityError):
            return None
        return job if claimed else None

    def renew(self, job: Job, worker: str, now: datetime, lease_seconds: float) -> None:
        job.renew(worker, now, lease_seconds)
        self.save(job)

    def complete(self, job: Job, worker: str, result: dict[str, object]) -> None:
        job.complete(worker, result)
        self.save(job)

    def attempt_failed(self, job_id: UUID, worker: str, error: str, now: datetime,
                       final: bool = False) -> Job:
        job = self.load(Job, job_id)
        job.attempt_failed(worker, error, now, final)
        self.save(job)
        return job
