"""Contacts import job: CSV rows become users, streamed and applied in batches.

The file is read as a stream (never whole). Each batch of valid rows is registered through
identity's command path in one transaction together with the job's progress event, so a
worker that dies resumes after the last batch saved and never registers a row twice; an
email already registered (before or by an earlier row) is skipped and counted. While one
batch saves (mostly waiting on the database), the next is read, validated and built.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from itertools import islice
from typing import Any, NamedTuple

import msgspec

from command_api.jobs.schemas import ContactRow
from command_api.jobs.spreadsheet_csv import Record, UnreadableRow, column_names, csv_records, text_lines
from command_api.jobs.tasks.errors import PermanentJobError
from domain.identity.application import IdentityApplication
from domain.identity.errors import EmailTakenError
from domain.identity.user import EmailClaim
from infra.passwords import UNUSABLE
from infra.web.input_checks import NUL_MESSAGE

BATCH = 1000
REQUIRED = ("email", "first_name", "last_name")
READ = ContactRow.__struct_fields__
Person = tuple[str, str, str, str | None]


class Batch(NamedTuple):
    rows_done: int
    valid: int
    fresh: list[Person]
    registrations: list[Any]
    errors: list[dict[str, Any]]


def run(worker: Any, job: Any) -> dict[str, Any]:
    with worker.storage.open(job.file_key) as raw, ThreadPoolExecutor(1, "tessera-import") as saver:
        records = csv_records(text_lines(raw))
        columns = column_names(next(records, None))
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise PermanentJobError(f"CSV header lacks column(s): {', '.join(missing)}")
        done, saving = job.rows_done, None
        for _ in islice(records, done):
            pass
        while rows := list(islice(records, BATCH)):
            batch = prepared(worker, columns, rows, done)
            done = batch.rows_done
            job = saving.result() if saving else job
            saving = saver.submit(copy_context().run, apply_batch, worker, job, batch)
        job = saving.result() if saving else job
    return {"total": job.rows_done, "created": job.created, "skipped": job.skipped}


def prepared(worker: Any, columns: list[str], rows: list[Record], done: int) -> Batch:
    """The rows validated, and the users of the new emails built (not saved)."""
    people, errors = validated(columns, rows, first_row=done + 2)
    fresh = unique(people, registered(worker.runtime.store, [p[0] for p in people]))
    registrations = worker.runtime.app(IdentityApplication).prepare_registrations(fresh, UNUSABLE)
    return Batch(done + len(rows), len(people), fresh, registrations, errors)


def validated(columns: list[str], rows: list[Record], first_row: int) -> tuple[list[Person], list[dict[str, Any]]]:
    """Valid rows as people (first of each email only); errors as `{row, error}` (record numbers,
    the header being row 1)."""
    people: list[Person] = []
    errors: list[dict[str, Any]] = []
    for number, values in enumerate(rows, start=first_row):
        if isinstance(values, UnreadableRow):
            errors.append({"row": number, "error": values.reason})
            continue
        if not any(value.strip() for value in values):
            continue  # a blank line
        fields = {name: value.strip() for name, value in zip(columns, values, strict=False) if name}
        if nul := field_holding_nul(fields):
            errors.append({"row": number, "error": f"{nul}: {NUL_MESSAGE}"})
            continue
        try:
            row = msgspec.convert({k: v or None for k, v in fields.items()}, ContactRow)
        except msgspec.ValidationError as error:
            errors.append({"row": number, "error": readable(error)})
            continue
        people.append((row.email.lower(), row.first_name, row.last_name, row.phone))
    return people, errors


def field_holding_nul(fields: dict[str, str]) -> str | None:
    """The first field the import reads whose value holds U+0000 (other columns are ignored)."""
    read = ContactRow.__struct_fields__
    return next((name for name in read if "\x00" in fields.get(name, "")), None)


def readable(error: msgspec.ValidationError) -> str:
    """msgspec's message as `<field>: <what is wrong>`."""
    reason, _, where = str(error).partition(" - at `$.")
    field = where.rstrip("`")
    if "missing required field" in reason:
        return f"{reason.rpartition('`')[0].rpartition('`')[2]}: required"
    if "null" in reason:
        return f"{field}: required"
    return f"{field}: invalid format" if "regex" in reason else f"{field}: {reason[:1].lower()}{reason[1:]}"


def apply_batch(worker: Any, job: Any, batch: Batch) -> Any:
    """Save the batch's users with the job's progress; returns the job as saved."""
    identity = worker.runtime.app(IdentityApplication)
    fresh, registrations = batch.fresh, batch.registrations
    for _ in range(3):
        job.record_batch(worker.id, batch.rows_done, len(fresh), batch.valid - len(fresh), batch.errors,
                         worker.now(), worker.lease_seconds)
        try:
            identity.register_many(registrations, job)
            return job
        except EmailTakenError:  # registered meanwhile (or earlier in the file): drop those rows
            job = worker.current(job)
            fresh = [p for p in fresh if not identity.exists(EmailClaim.id_for(p[0]))]
            registrations = identity.prepare_registrations(fresh, UNUSABLE)
    raise RuntimeError(f"batch ending at row {batch.rows_done + 1} kept conflicting")


def unique(people: list[Person], taken: set[str]) -> list[Person]:
    fresh: list[Person] = []
    for person in people:
        if person[0] not in taken:
            taken.add(person[0])
            fresh.append(person)
    return fresh


def registered(store: Any, emails: list[str]) -> set[str]:
    """Emails the users read model already has (a fast first filter; the store has the last word)."""
    if not emails:
        return set()
    names = {f"e{i}": email for i, email in enumerate(emails)}
    with store.transaction() as tx:
        rows = tx.fetch_all(f"SELECT email FROM users WHERE email IN ({', '.join(':' + n for n in names)})", names)
    return {row["email"] for row in rows}
