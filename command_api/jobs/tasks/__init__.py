"""What a worker does for each kind of job: `task(worker, job) -> result` (blocking, in a thread)."""
from __future__ import annotations

from command_api.jobs.tasks import broadcast, contacts, images, reports
from domain.jobs.broadcast import Broadcast
from domain.jobs.contacts_import import ContactsImport
from domain.jobs.job import Image, Report

JOB_CLASSES = (Report, Image, ContactsImport, Broadcast)
TASKS = {Report.kind: reports.run, Image.kind: images.run, ContactsImport.kind: contacts.run,
         Broadcast.kind: broadcast.run}
