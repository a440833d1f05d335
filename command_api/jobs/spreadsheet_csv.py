"""CSV files as spreadsheets write them: the contacts import's input.

Our users' files come from Excel and its kin, which write
- UTF-8, with or without a byte order mark; UTF-16 with one ("Unicode text"); or, Excel's
  default on Windows in Western locales, Windows-1252, where "José" is the one byte E9. Read
  as UTF-8, every accented letter of such a file became U+FFFD and the names were imported
  wrong without a word. `as_utf8` turns an upload into UTF-8 once, before it is stored;
- a comma, or a semicolon where the decimal mark is a comma (pt-BR and most of Europe), or a
  tab: the one of the three the header line holds most is the file's delimiter;
- lines ended by CRLF, LF or a lone CR (older Mac exports). A lone CR was not a line end
  here, so such a file was one line, and its upload a 500.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from itertools import chain
from typing import Any, NamedTuple

DELIMITERS = ",;\t"
_LINE_END = re.compile(r"\r\n|\r|\n")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UnreadableRow(NamedTuple):
    """A record the CSV reader refused (a field over its 128 KiB limit). It is a row error:
    the reader goes on at the next line, so one such row no longer fails the whole import."""
    reason: str


Record = list[str] | UnreadableRow


def as_utf8(data: bytes) -> bytes:
    """The file's text in UTF-8: the same bytes when they are UTF-8 already."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace").encode()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace").encode()
    return data


def text_lines(stream: Any, chunk: int = 64 * 1024) -> Iterator[str]:
    """The stream's lines with their ends, decoded as they arrive (an S3 body closes itself
    once read out, so it is read once, in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    rest = ""
    while data := stream.read(chunk):
        lines, rest = complete_lines(rest + decoder.decode(data))
        yield from lines
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


def complete_lines(text: str) -> tuple[list[str], str]:
    """The lines `text` ends, ends kept, and what follows the last of them. A CR at the very
    end stays in the rest: the next chunk may begin with the LF of its CRLF."""
    lines, start = [], 0
    for end in _LINE_END.finditer(text):
        if end.end() == len(text) and end.group() == "\r":
            break
        lines.append(text[start:end.end()])
        start = end.end()
    return lines, text[start:]


def csv_records(lines: Iterator[str]) -> Iterator[Record]:
    """The records, split by the delimiter the header line uses; an `UnreadableRow` stands in
    for each record the reader refuses. The reader is strict: leniently, a quote left open
    read the rest of the file into one field and ended it there without a word."""
    header = next(lines, "")
    reader = csv.reader(chain([header], lines), delimiter=delimiter_of(header), strict=True)
    while True:
        first_line = reader.line_num + 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield UnreadableRow(unreadable(str(error), first_line, reader.line_num))


def unreadable(reason: str, first_line: int, last_line: int) -> str:
    if reason == "unexpected end of data":
        return (f"unterminated quoted field: the quote opened on line {first_line} is never "
                f"closed, so lines {first_line}-{last_line} (the rest of the file) were not read")
    return reason


def delimiter_of(header: str) -> str:
    """The delimiter the header line holds most of; a comma when it holds none (one column)."""
    most = max(DELIMITERS, key=header.count)
    return most if header.count(most) else ","


def column_names(header: Record | None) -> list[str]:
    return [name.strip().lower() for name in header] if isinstance(header, list) else []
