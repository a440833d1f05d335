"""Pure steps of the tasks: CSV row validation, duplicate emails, thumbnails, upload checks."""
from __future__ import annotations

import csv
import io

import pytest
from PIL import Image

from command_api.jobs.spreadsheet_csv import text_lines
from command_api.jobs.tasks.contacts import unique, validated
from command_api.jobs.tasks.images import thumbnail
from command_api.jobs.tasks.reports import spreadsheet_safe
from command_api.jobs.uploads import check_csv_header, checked_name, image_type
from domain.errors import InvalidError
from infra.web.errors import ApiError

COLUMNS = ["email", "first_name", "last_name", "phone"]


def test_rows_are_validated_like_registration_with_file_row_numbers():
    rows = [["Ana@Example.com ", "Ana", "Lima", ""], ["nope", "A", "B", ""], ["b@x.test", "", "B"],
            ["c@x.test", "C"], ["d@x.test", "D", "E", "+1" * 40]]
    people, errors = validated(COLUMNS, rows, first_row=2)
    assert people == [("ana@example.com", "Ana", "Lima", None)]
    assert errors == [{"row": 3, "error": "email: invalid format"}, {"row": 4, "error": "first_name: required"},
                      {"row": 5, "error": "last_name: required"},
                      {"row": 6, "error": "phone: expected `str` of length <= 32"}]


def test_a_cell_holding_a_null_character_is_a_row_error_not_a_user():
    rows = [["a@x.test", "A\x00na", "Lima", ""], ["b@x.test", "Bea", "Lima", ""]]
    people, errors = validated(COLUMNS, rows, first_row=2)
    assert people == [("b@x.test", "Bea", "Lima", None)]
    assert errors == [{"row": 2, "error": "first_name: Null characters are not allowed."}]


def test_a_null_character_in_a_column_nobody_reads_is_ignored_with_the_column():
    """Row errors name the field; a column the import does not read (its name may be any
    length) is not one, so it adds nothing to the job's events."""
    people, errors = validated([*COLUMNS, "x" * 10_000], [["a@x.test", "Ana", "Lima", "", "\x00"]], 2)
    assert (people, errors) == ([("a@x.test", "Ana", "Lima", None)], [])


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored():
    people, errors = validated(["last_name", "note", "email", "first_name"], [["Lima", "x", "a@b.test", "Ana"]], 2)
    assert (people, errors) == ([("a@b.test", "Ana", "Lima", None)], [])


def test_a_repeated_email_is_kept_once_and_taken_ones_are_dropped():
    people = [("a@x.test", "A", "A", None), ("b@x.test", "B", "B", None), ("a@x.test", "A2", "A2", None)]
    assert unique(people, {"b@x.test"}) == [("a@x.test", "A", "A", None)]


def jpeg(size: tuple[int, int], orientation: int | None = None) -> bytes:
    out, exif = io.BytesIO(), Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", size, "blue").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_thumbnails_fit_the_box_and_follow_exif_orientation():
    assert thumbnail(jpeg((1600, 1200)))[1:] == (256, 192)
    assert thumbnail(jpeg((1600, 1200), orientation=8))[1:] == (192, 256)
    png = io.BytesIO()
    Image.new("RGBA", (100, 50)).save(png, "PNG")
    data, width, height = thumbnail(png.getvalue())
    assert (width, height) == (100, 50) and Image.open(io.BytesIO(data)).format == "JPEG"


@pytest.mark.parametrize("name", ["../x.jpg", "a/b.jpg", "..\\x.jpg", "", "x\x00.jpg", "a" * 300])
def test_path_like_names_are_refused(name):
    with pytest.raises(InvalidError):
        checked_name(name)


def test_plain_names_pass():
    assert checked_name(" holiday photo.jpg ") == "holiday photo.jpg"


def test_only_decodable_images_pass():
    assert image_type(io.BytesIO(jpeg((10, 10)))) == "image/jpeg"
    with pytest.raises(InvalidError):
        image_type(io.BytesIO(b"GIF89a but not really"))


def test_a_csv_needs_a_header_with_the_required_columns():
    check_csv_header(io.BytesIO(b"\xef\xbb\xbfEmail,First_Name,last_name\n"), ("email", "first_name", "last_name"))
    with pytest.raises(InvalidError):
        check_csv_header(io.BytesIO(b"a@b.test,A,B\n"), ("email", "first_name", "last_name"))


def test_lines_are_decoded_across_chunk_boundaries_and_blank_lines_are_ignored():
    data = "\ufeffemail,first_name,last_name\r\nzoë@x.test,Zoë,\"Multi\nLine\"\r\n\r\nb@x.test,B,C".encode()
    lines = list(text_lines(io.BytesIO(data), chunk=3))
    rows = list(csv.reader(lines))
    assert rows == [["email", "first_name", "last_name"], ["zoë@x.test", "Zoë", "Multi\nLine"], [],
                    ["b@x.test", "B", "C"]]
    people, errors = validated(rows[0], rows[1:], first_row=2)
    assert (people, errors) == ([("zoë@x.test", "Zoë", "Multi\nLine", None), ("b@x.test", "B", "C", None)], [])


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("+HYPERLINK(1)", "'+HYPERLINK(1)"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("+1 555 0100", "+1 555 0100"), ("-12.5", "-12.5"), ("+(555) 010-0100", "+(555) 010-0100"),
    ("Ana", "Ana"), ("", ""), (None, None), (42, 42), ("a=b", "a=b"),
])
def test_report_cells_a_spreadsheet_would_evaluate_get_an_apostrophe(cell, written):
    assert spreadsheet_safe(cell) == written


def test_an_image_pixels_would_take_too_much_memory_to_thumbnail_is_refused_before_it_is_stored():
    """A 1-bit PNG of 8,000 x 8,000 pixels is a few kB; decoded in colour it is 256 MB."""
    with pytest.raises(ApiError) as refused:
        image_type(io.BytesIO(png_of(8000, 8000)))
    assert (refused.value.status, refused.value.code) == (413, "PAYLOAD_TOO_LARGE")
    assert image_type(io.BytesIO(png_of(6000, 6000))) == "image/png"


def png_of(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused_at_upload_as_its_thumbnail_would_fail(kind):
    """`verify` alone passed a JPEG or GIF cut short; its job then failed on every attempt."""
    image = Image.effect_noise((300, 200), 50).convert("P" if kind == "GIF" else "RGB")
    out = io.BytesIO()
    image.save(out, kind)
    whole = out.getvalue()
    assert image_type(io.BytesIO(whole)) == f"image/{kind.lower()}"
    thumbnail(whole)
    for cut in (10, len(whole) // 2):
        with pytest.raises(InvalidError):
            image_type(io.BytesIO(whole[:-cut]))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG's signature and IHDR claiming this size: all Pillow reads before it refuses."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_an_image_past_pillows_own_bomb_limit_is_413_too_not_400():
    """Over twice Pillow's MAX_IMAGE_PIXELS it raises DecompressionBombError at open, which
    was caught as undecodable: 200 megapixels got 'not an image', 48 got 413."""
    with pytest.raises(ApiError) as refused:
        image_type(io.BytesIO(png_header_only(15_000, 15_000)))
    assert (refused.value.status, refused.value.code) == (413, "PAYLOAD_TOO_LARGE")
