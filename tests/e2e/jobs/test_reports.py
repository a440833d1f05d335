"""Reports (CONTRACT §8): a CSV of the active users, in object storage, streamed by download/."""
from __future__ import annotations

import csv
import io

from tests.e2e.jobs.flows import delete_stored, finished, get_json, wait_for_state


def test_staff_report_lists_active_users_and_downloads_as_csv(jobs_stack):
    admin = jobs_stack.admin_token()
    member = jobs_stack.new_user(first_name="Reported")
    gone = jobs_stack.new_user(first_name="Departed")
    with jobs_stack.client(gone["token"]) as http:
        assert http.delete("/api/v1/users/me/").status_code == 204
    with jobs_stack.client(admin) as http:
        answer = http.post("/api/v1/reports/", json={})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "pending" and body["id"]
    report = wait_for_state(jobs_stack, admin, f"/api/v1/reports/{body['id']}/", finished)
    assert report["status"] == "done", report
    assert report["file_url"] and report["error"] is None
    with jobs_stack.client(admin) as http:
        download = http.get(f"/api/v1/reports/{body['id']}/download/")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    emails = {row["email"] for row in rows}
    assert member["user"]["email"] in emails
    assert gone["user"]["email"] not in emails
    assert report["rows"] == len(rows)


def test_reports_are_for_staff_only(jobs_stack):
    user = jobs_stack.new_user()
    with jobs_stack.client(user["token"]) as http:
        assert http.post("/api/v1/reports/", json={}).status_code == 403
    admin = jobs_stack.admin_token()
    with jobs_stack.client(admin) as http:
        requested = http.post("/api/v1/reports/", json={}).json()
    report_id, seen = requested["id"], {"X-Min-Position": str(requested["position"])}
    with jobs_stack.client(user["token"]) as http:  # the report is in the read model: still hidden
        hidden = http.get(f"/api/v1/reports/{report_id}/", headers=seen)
        assert hidden.status_code == 404
        assert hidden.json()["error"]["code"] == "NOT_FOUND"
        assert http.get(f"/api/v1/reports/{report_id}/download/", headers=seen).status_code == 404
    assert get_json(jobs_stack, admin, f"/api/v1/reports/{report_id}/", requested["position"])["id"] == report_id


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(jobs_stack):
    admin = jobs_stack.admin_token()
    formula = '=HYPERLINK("http://evil.test","x")'
    sly = jobs_stack.new_user(first_name=formula, last_name="@SUM(A1)", phone="+1 555 0100")
    with jobs_stack.client(admin) as http:
        answer = http.post("/api/v1/reports/", json={})
    report = wait_for_state(jobs_stack, admin, f"/api/v1/reports/{answer.json()['id']}/", finished)
    with jobs_stack.client(admin) as http:
        download = http.get(f"/api/v1/reports/{report['id']}/download/")
    [row] = [r for r in csv.DictReader(io.StringIO(download.text)) if r["email"] == sly["user"]["email"]]
    assert (row["first_name"], row["last_name"], row["phone"]) == ("'" + formula, "'@SUM(A1)", "+1 555 0100")


def test_a_report_whose_file_is_gone_downloads_as_not_found(jobs_stack):
    """The CSV removed from storage (a lifecycle rule, a lost disk): download/ was a 500."""
    admin = jobs_stack.admin_token()
    with jobs_stack.client(admin) as http:
        requested = http.post("/api/v1/reports/", json={}).json()
    report = wait_for_state(jobs_stack, admin, f"/api/v1/reports/{requested['id']}/", finished)
    assert report["status"] == "done", report
    delete_stored(jobs_stack, f"jobs/{report['id']}/active-users.csv")
    with jobs_stack.client(admin) as http:
        download = http.get(f"/api/v1/reports/{report['id']}/download/")
    assert download.status_code == 404, download.text
    assert download.json()["error"]["code"] == "NOT_FOUND"
