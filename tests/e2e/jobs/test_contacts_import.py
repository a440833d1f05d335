"""CSV import of users (CONTRACT §8): per-row errors, existing emails skipped, users created."""
from __future__ import annotations

from tests.e2e.jobs.flows import (
    csv_bytes,
    finished,
    fresh_people,
    get_json,
    post_file,
    wait_for_state,
)

UPLOAD = "/api/v1/contacts/upload-csv/"


def test_rows_become_users_with_row_errors_and_existing_emails_skipped(jobs_stack):
    admin = jobs_stack.admin_token()
    existing = jobs_stack.new_user()["user"]["email"]
    people = fresh_people(5)
    rows = [people[0], ("not-an-email", "Bad", "Row", ""), people[1], (existing, "Old", "Timer", ""),
            people[2], ("", "No", "Mail", ""), people[3], ("x@y.example", "", "Nameless", ""), people[4],
            (people[0][0].upper(), "Twice", "Listed", "")]
    answer = post_file(jobs_stack, admin, UPLOAD, "contacts.csv", csv_bytes(rows), "text/csv")
    assert answer.status_code == 202, answer.text
    task_id = answer.json()["task_id"]
    status = wait_for_state(jobs_stack, admin, f"/api/v1/contacts/task-status/{task_id}/", finished)
    assert status["status"] == "done", status
    assert (status["total"], status["created"], status["skipped"]) == (10, 5, 2)
    assert status["errors"] == [{"row": 3, "error": "email: invalid format"},
                                {"row": 7, "error": "email: required"},
                                {"row": 9, "error": "first_name: required"}]
    directory = get_json(jobs_stack, admin, f"/api/v1/users/?search=imp-{people[0][0].split('-')[1]}")
    assert sorted(u["email"] for u in directory["results"]) == sorted(p[0] for p in people)
    imported = next(u for u in directory["results"] if u["email"] == people[2][0])
    assert (imported["first_name"], imported["last_name"], imported["phone"]) == people[2][1:]


def test_a_file_as_excel_writes_it_in_brazil_is_imported_as_written(jobs_stack):
    """Windows-1252 text, semicolons, a lone CR after each line (as older Mac exports end
    them), and a field over the CSV reader's limit. Before: the upload was a 500 (one line);
    as UTF-8 with commas it would have been U+FFFD for every accented letter."""
    admin = jobs_stack.admin_token()
    tag = fresh_people(1)[0][0].split("-")[1]
    lines = ["email;first_name;last_name;phone", f"imp-{tag}-jose@x.test;José;Conceição;+55 11 5550-0100",
             f"imp-{tag}-long@x.test;{'A' * 200_000};Long;", f"imp-{tag}-ines@x.test;Inês;Brandão;"]
    answer = post_file(jobs_stack, admin, UPLOAD, "contatos.csv", "\r".join(lines).encode("cp1252"), "text/csv")
    assert answer.status_code == 202, answer.text
    status = wait_for_state(jobs_stack, admin, f"/api/v1/contacts/task-status/{answer.json()['task_id']}/",
                            finished)
    assert (status["status"], status["total"], status["created"]) == ("done", 3, 2), status
    assert status["errors"] == [{"row": 3, "error": "field larger than field limit (131072)"}]
    directory = get_json(jobs_stack, admin, f"/api/v1/users/?search=imp-{tag}")["results"]
    assert sorted((u["first_name"], u["last_name"], u["phone"]) for u in directory) == [
        ("Inês", "Brandão", None), ("José", "Conceição", "+55 11 5550-0100")]


def test_imported_users_cannot_log_in_until_they_set_a_password(jobs_stack):
    admin = jobs_stack.admin_token()
    person = fresh_people(1)[0]
    task_id = post_file(jobs_stack, admin, UPLOAD, "one.csv", csv_bytes([person])).json()["task_id"]
    wait_for_state(jobs_stack, admin, f"/api/v1/contacts/task-status/{task_id}/", finished)
    with jobs_stack.client() as http:
        assert http.post("/api/v1/auth/login/", json={"email": person[0], "password": "!"}).status_code == 401
        assert http.post("/api/v1/auth/forgot_password/", json={"email": person[0]}).json()["token"]


def test_upload_checks(jobs_stack):
    admin, user = jobs_stack.admin_token(), jobs_stack.new_user()
    assert post_file(jobs_stack, user["token"], UPLOAD, "c.csv", csv_bytes([])).status_code == 403
    no_header = post_file(jobs_stack, admin, UPLOAD, "c.csv", b"a@b.example,A,B,\n")
    assert no_header.status_code == 400
    assert no_header.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert post_file(jobs_stack, admin, UPLOAD, "../c.csv", csv_bytes([])).status_code == 400
    with jobs_stack.client(admin) as http:
        assert http.post(UPLOAD, data={"other": "x"}).status_code == 400
        assert http.get("/api/v1/contacts/task-status/not-a-task/").status_code == 404


def test_a_quote_left_open_is_a_row_error_naming_its_line_and_blank_lines_are_not_counted(jobs_stack):
    """Read leniently, the open quote took the rest of the file into one field and reported
    `last_name: required`; the rows after it vanished. `total` counted the blank line too."""
    admin = jobs_stack.admin_token()
    first, second, third = fresh_people(3)
    data = (f"email,first_name,last_name\n{','.join(first[:3])}\n\n{second[0]},\"Ann,Lee\n"
            f"{','.join(third[:3])}\n").encode()
    task_id = post_file(jobs_stack, admin, UPLOAD, "open.csv", data, "text/csv").json()["task_id"]
    status = wait_for_state(jobs_stack, admin, f"/api/v1/contacts/task-status/{task_id}/", finished)
    assert (status["status"], status["created"], status["invalid"]) == ("done", 1, 1), status
    assert status["total"] == status["created"] + status["skipped"] + status["invalid"] == 2
    [error] = status["errors"]
    assert error["row"] == 4 and error["error"].startswith("unterminated quoted field"), error
    assert "line 4" in error["error"], error


def test_a_header_naming_a_column_twice_or_read_as_utf16_without_its_mark_is_refused(jobs_stack):
    admin = jobs_stack.admin_token()
    twice = post_file(jobs_stack, admin, UPLOAD, "twice.csv",
                      b"email,first_name,last_name,email\na@x.test,A,B,b@x.test\n", "text/csv")
    assert twice.status_code == 400, twice.text
    assert twice.json()["error"]["details"]["file"] == ["column email appears more than once"]
    utf16 = post_file(jobs_stack, admin, UPLOAD, "utf16.csv",
                      "email,first_name,last_name\na@x.test,A,B\n".encode("utf-16-le"), "text/csv")
    assert utf16.status_code == 400, utf16.text
    assert "UTF-16" in utf16.json()["error"]["details"]["file"][0]
