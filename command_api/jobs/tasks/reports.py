"""Report job: a CSV of the active users, spooled (memory, then disk) and put in object storage."""
from __future__ import annotations

import csv
import io
import tempfile
from typing import Any

from command_api.jobs.tasks.active_users import active_users

COLUMNS = ("id", "email", "first_name", "last_name", "phone", "access_level", "date_joined")


def report_key(job_id: object) -> str:
    return f"jobs/{job_id}/active-users.csv"


def run(worker: Any, job: Any) -> dict[str, Any]:
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=4 << 20) as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        out = csv.writer(text)
        out.writerow(COLUMNS)
        for page in active_users(worker.runtime.store, ", ".join(COLUMNS)):
            out.writerows([row[c] for c in COLUMNS] for row in page)
            rows += len(page)
            job = worker.keep_alive(job)
        text.flush()
        text.detach()
        spool.seek(0)
        worker.storage.put(report_key(job.id), spool, "text/csv")
    return {"file_key": report_key(job.id), "rows": rows}
