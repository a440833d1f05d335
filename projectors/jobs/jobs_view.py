"""The `jobs` read model: every job's status and counters, its row errors and failed recipients.

Status changes and progress are also pushed to the job's owner on the owner's notification
channel, so a client sees an import or a broadcast advance and end without polling.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from infra.envelope import Envelope, format_timestamp
from projectors.projection import Projection, Writer, on

JOB_COLUMNS = ("id, kind, owner_id, status, attempts, error, name, original_key, file_key, thumbnail_key,"
               " rows_done, created, skipped, invalid, sent, failed, subject, created_at, updated_at")
PROGRESS_COLUMNS = ("rows_done", "created", "skipped", "invalid", "sent", "failed")
# CONTRACT §8: an image is `processing`, then `ready` (or `failed`), whatever its job's status.
IMAGE_STATUS = {"pending": "processing", "processing": "processing", "done": "ready", "failed": "failed"}

def owner_channel(owner_id: str) -> str:
    """The owner's notification channel, which `/ws/notifications/` subscribes its user to."""
    return f"notifications:user:{owner_id}"

class JobsView(Projection):
    name = "jobs"
    contexts = ("jobs",)
    tables: ClassVar[dict[str, str]] = {
        "jobs": """CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_id TEXT NOT NULL, status TEXT NOT NULL,
            attempts INTEGER NOT NULL, lease_until TEXT, retry_at TEXT, error TEXT, name TEXT,
            original_key TEXT, file_key TEXT, thumbnail_key TEXT, rows_done BIGINT NOT NULL,
            created BIGINT NOT NULL, skipped BIGINT NOT NULL, invalid BIGINT NOT NULL,
            sent BIGINT NOT NULL, failed BIGINT NOT NULL, subject TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
        "job_row_errors": """CREATE TABLE IF NOT EXISTS job_row_errors (
            job_id TEXT NOT NULL, row_number BIGINT NOT NULL, error TEXT NOT NULL,
            PRIMARY KEY (job_id, row_number))""",
        "job_delivery_failures": """CREATE TABLE IF NOT EXISTS job_delivery_failures (
            job_id TEXT NOT NULL, email TEXT NOT NULL, reason TEXT NOT NULL,
            PRIMARY KEY (job_id, email))""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner_id, kind, created_at)",
        "CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (status, kind)",
    )

    def _opened(self, event: Envelope, w: Writer, kind: str, **fields: Any) -> None:
        row = {"name": None, "original_key": None, "file_key": None, "subject": None, **fields}
        w.execute(
            "INSERT INTO jobs (id, kind, owner_id, status, attempts, name, original_key, file_key,"
            " thumbnail_key, rows_done, created, skipped, invalid, sent, failed, subject, created_at,"
            " updated_at) VALUES (:id, :kind, :owner, 'pending', 0, :name, :original_key, :file_key,"
            " NULL, 0, 0, 0, 0, 0, 0, :subject, :at, :at)",
            {**row, "id": event.aggregate_id_text, "kind": kind, "owner": event.data["owner_id"],
             "at": event.timestamp_text})

    @on("ReportRequested")
    def report_requested(self, event: Envelope, w: Writer) -> None:
        self._opened(event, w, "report")

    @on("ImageUploaded")
    def image_uploaded(self, event: Envelope, w: Writer) -> None:
        self._opened(event, w, "image", name=event.data["name"], original_key=event.data["original_key"])

    @on("ContactsImportRequested")
    def import_requested(self, event: Envelope, w: Writer) -> None:
        self._opened(event, w, "contacts_import", name=event.data["file_name"],
                     file_key=event.data["file_key"])

    @on("BroadcastRequested")
    def broadcast_requested(self, event: Envelope, w: Writer) -> None:
        self._opened(event, w, "broadcast", subject=event.data["subject"])

    @on("JobStarted")
    def started(self, event: Envelope, w: Writer) -> None:
        self._update(event, w, "status = 'processing', attempts = :attempt, lease_until = :lease,"
                     " retry_at = NULL", attempt=event.data["attempt"], lease=moment(event.data["lease_until"]))
        self._push(event, w, "job")

    @on("JobLeaseRenewed")
    def lease_renewed(self, event: Envelope, w: Writer) -> None:
        self._update(event, w, "lease_until = :lease", lease=moment(event.data["lease_until"]))

    @on("JobRetryScheduled")
    def retry_scheduled(self, event: Envelope, w: Writer) -> None:
        self._update(event, w, "status = 'pending', lease_until = NULL, error = :error, retry_at = :retry",
                     error=event.data["error"], retry=moment(event.data["retry_at"]))

    @on("JobCompleted")
    def completed(self, event: Envelope, w: Writer) -> None:
        result = event.data["result"]
        self._update(event, w, "status = 'done', error = NULL, lease_until = NULL,"
                     " file_key = COALESCE(:file_key, file_key), thumbnail_key = :thumbnail_key,"
                     " rows_done = COALESCE(:rows, rows_done)",
                     file_key=result.get("file_key"), thumbnail_key=result.get("thumbnail_key"),
                     rows=result.get("rows"))
        self._push(event, w, "job")

    @on("JobFailed")
    def failed(self, event: Envelope, w: Writer) -> None:
        self._update(event, w, "status = 'failed', error = :error, lease_until = NULL",
                     error=event.data["error"])
        self._push(event, w, "job")

    @on("ContactsImportProgressed")
    def import_progressed(self, event: Envelope, w: Writer) -> None:
        d = event.data
        self._update(event, w, "rows_done = :rows, created = created + :created, skipped = skipped + :skipped,"
                     " invalid = invalid + :invalid, lease_until = :lease", rows=d["rows_done"],
                     created=d["created"], skipped=d["skipped"], invalid=d["invalid"], lease=moment(d["lease_until"]))
        for error in d["errors"]:
            w.execute("INSERT INTO job_row_errors (job_id, row_number, error) VALUES (:id, :row, :error)"
                      " ON CONFLICT (job_id, row_number) DO NOTHING",
                      {"id": event.aggregate_id_text, "row": error["row"], "error": error["error"]})
        self._push(event, w, "job_progress")

    @on("BroadcastDeliveriesRecorded")
    def deliveries_recorded(self, event: Envelope, w: Writer) -> None:
        d = event.data
        self._update(event, w, "sent = sent + :sent, failed = failed + :failed, lease_until = :lease",
                     sent=len(d["sent"]), failed=len(d["failed"]), lease=moment(d["lease_until"]))
        for failure in d["failed"]:
            w.execute("INSERT INTO job_delivery_failures (job_id, email, reason) VALUES (:id, :email, :reason)"
                      " ON CONFLICT (job_id, email) DO UPDATE SET reason = excluded.reason",
                      {"id": event.aggregate_id_text, **failure})
        self._push(event, w, "job_progress")

    def _update(self, event: Envelope, w: Writer, assignments: str, **params: Any) -> None:
        w.execute(f"UPDATE jobs SET {assignments}, updated_at = :at WHERE id = :id",
                  {**params, "id": event.aggregate_id_text, "at": event.timestamp_text})

    def _push(self, event: Envelope, w: Writer, frame_type: str) -> None:
        row = w.fetch_one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = :id", {"id": event.aggregate_id_text})
        if row is not None:
            w.push(owner_channel(row["owner_id"]), frame_type, job_frame(row))

def job_frame(row: dict[str, Any]) -> dict[str, Any]:
    """What a job frame says: which job, its status (an image's as `images/` says it: a
    frame said `done` of an image REST called `ready`) and counters."""
    status = IMAGE_STATUS[row["status"]] if row["kind"] == "image" else row["status"]
    frame = {"id": row["id"], "kind": row["kind"], "status": status, "error": row["error"]}
    return {**frame, **{column: row[column] for column in PROGRESS_COLUMNS}}



def moment(text: str) -> str:
    """An event's timestamp field in the read model's sortable text form."""
    return format_timestamp(datetime.fromisoformat(text))
