"""CSV files as Excel and its kin write them are read as their authors meant."""
from __future__ import annotations

import io

import pytest

from command_api.jobs.spreadsheet_csv import UnreadableRow, as_utf8, csv_records, text_lines
from command_api.jobs.tasks.contacts import validated
from command_api.jobs.uploads import check_csv_header, utf8_csv

REQUIRED = ("email", "first_name", "last_name")
ROWS = [["email", "first_name", "last_name"], ["jose@x.test", "José", "Conceição"]]


def records(data: bytes, chunk: int = 64 * 1024) -> list:
    return list(csv_records(text_lines(io.BytesIO(as_utf8(data)), chunk=chunk)))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_every_encoding_a_spreadsheet_writes_is_read_as_its_letters(encoding):
    data = "email,first_name,last_name\r\njose@x.test,José,Conceição\r\n".encode(encoding)
    assert records(data) == ROWS


def test_utf8_is_left_byte_for_byte_and_other_text_becomes_utf8():
    utf8 = "email\nzoë@x.test\n".encode()
    assert as_utf8(utf8) is utf8
    assert as_utf8("Zoë".encode("cp1252")) == "Zoë".encode()
    spool = io.BytesIO(utf8)
    assert utf8_csv(spool) is spool and spool.tell() == 0
    assert utf8_csv(io.BytesIO("Zoë".encode("cp1252"))).read() == "Zoë".encode()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_header_lines_delimiter_splits_every_record(delimiter):
    data = "\n".join(delimiter.join(row) for row in ROWS).encode()
    assert records(data) == ROWS
    check_csv_header(io.BytesIO(data), REQUIRED)


def test_a_semicolon_inside_a_comma_separated_field_stays_in_it():
    assert records(b'email,first_name,last_name\na@x.test,"A; B",C\n')[1] == ["a@x.test", "A; B", "C"]


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_lines_may_end_with_cr_lf_or_both_even_across_chunks(end):
    data = end.join(["email,first_name,last_name", "a@x.test,A,B", 'b@x.test,"Multi' + end + 'Line",C', ""]).encode()
    for chunk in (1, 2, 3, 64 * 1024):
        assert records(data, chunk) == [ROWS[0], ["a@x.test", "A", "B"], ["b@x.test", f"Multi{end}Line", "C"]]
    check_csv_header(io.BytesIO(data), REQUIRED)


def test_a_field_over_the_readers_limit_is_one_row_error_and_the_rows_after_it_are_read():
    data = b"email,first_name,last_name\na@x.test," + b"A" * 200_000 + b",B\nc@x.test,C,D\n"
    rows = records(data)
    assert rows[1] == UnreadableRow("field larger than field limit (131072)")
    people, errors = validated(rows[0], rows[1:], first_row=2)
    assert people == [("c@x.test", "C", "D", None)]
    assert errors == [{"row": 2, "error": "field larger than field limit (131072)"}]


def test_a_quote_never_closed_is_one_row_error_naming_the_line_it_opened_on():
    rows = records(b'email,first_name,last_name\nq1@x.test,"Ann,Lee\nq2@x.test,B,C\nq3@x.test,D,E\n')
    assert rows[1:] == [UnreadableRow("unterminated quoted field: the quote opened on line 2 is never closed,"
                                      " so lines 2-4 (the rest of the file) were not read")]
