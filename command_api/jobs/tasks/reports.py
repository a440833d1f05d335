"""Report job: a CSV of the active users, spooled (memory, then disk) and put in object storage.

Names and phones are the users' own text, and the file is opened in spreadsheets: a cell a
spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-cmd|...`) is written
with a leading apostrophe, OWASP's advice for CSV injection. A phone such as `+1 555 0100`
stays as it is: a sign followed by digits only is a number to a spreadsheet, not a call.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from typing import Any

from command_api.jobs.tasks.active_users import active_users

COLUMNS = ("id", "email", "first_name", "last_name", "phone", "access_level", "date_joined")
_SIGNED_NUMBER = re.compile(r"[+-][\d\s().-]*")


def spreadsheet_safe(value: Any) -> Any:
    """The cell as written: text a spreadsheet would evaluate gets a leading apostrophe."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "=@\t\r" or (value[0] in "+-" and not _SIGNED_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def report_key(job_id: object) -> str:
    return f"jobs/{job_id}/active-users.csv"


def run(worker: Any, job: Any) -> dict[str, Any]:
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=4 << 20) as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        out = csv.writer(text)
        out.writerow(COLUMNS)
        for page in active_users(worker.runtime.store, ", ".join(COLUMNS)):
            out.writerows([spreadsheet_safe(row[c]) for c in COLUMNS] for row in page)
            rows += len(page)
            job = worker.keep_alive(job)
        text.flush()
        text.detach()
        spool.seek(0)
        worker.storage.put(report_key(job.id), spool, "text/csv")
    return {"file_key": report_key(job.id), "rows": rows}
