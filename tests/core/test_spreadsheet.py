"""The safe spreadsheet reader: hostile files refused before calamine sees them, honest ones read.

Each hostile file is built here, small, from its bytes: calamine would allocate the grid a sheet
spans (A1 to XFD1048576 is 512 GiB) and abort the whole process, so these tests would not fail
politely on a reader that let them through; they would take pytest down with them.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest
import xlsxwriter

from core.spreadsheet import ErrorLog, Limits, SpreadsheetError, open_workbook, report_lines

WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Gaji" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def xlsx(sheet_data: str, dimension: str | None = None) -> bytes:
    """A minimal xlsx by hand, as an attacker would make it."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


CORNERS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>nomor_anggota</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)


def test_a_small_xlsx_spanning_the_whole_grid_is_refused_before_calamine_reads_it():
    """The issue's 1,5 KB file: A1 and XFD1048576 make calamine ask for 512 GiB and abort."""
    content = xlsx(CORNERS, dimension="A1:XFD1048576")
    assert len(content) < 1600
    big_rows = Limits(max_rows=2_000_000, max_columns=20_000)  # so the cell limit speaks
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(content, filename="gaji.xlsx", limits=big_rows)
    assert refused.value.code == "too_many_cells"
    assert refused.value.messages == [
        "Lembar “Gaji” mencakup 17.179.869.184 sel (dari sel pertama sampai sel terakhir), "
        "paling banyak 1.000.000 sel. Hapus isi atau format sel yang jauh di luar tabel, lalu "
        "unggah lagi."
    ]
    with pytest.raises(SpreadsheetError, match="terlalu panjang: sampai baris 1.048.576"):
        open_workbook(content, filename="gaji.xlsx")


def test_a_lying_or_missing_dimension_does_not_hide_the_far_cell():
    for dimension in ("A1:B2", None):
        with pytest.raises(SpreadsheetError) as refused:
            open_workbook(
                xlsx(CORNERS, dimension=dimension),
                filename="gaji.xlsx",
                limits=Limits(max_rows=2_000_000, max_columns=20_000),
            )
        assert refused.value.code == "too_many_cells"
    # Cells without an r attribute are placed one after the other, as Excel does.
    row = "<row>" + "<c><v>1</v></c>" * 300 + "</row>"
    with pytest.raises(SpreadsheetError, match="terlalu lebar: 300 kolom, paling banyak 256"):
        open_workbook(xlsx(row), filename="gaji.xlsx")


def test_an_xlsx_zip_bomb_is_refused_by_its_inflated_size_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1024 * 1024)
            for _i in range(130):  # 130 MB of nothing, about 130 KB on the wire
                sheet.write(block)
    content = buffer.getvalue()
    assert len(content) < 1024 * 1024
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(content, filename="bom.xlsx")
    assert refused.value.code == "inflated_too_big"
    assert "terlalu besar setelah dibuka (paling banyak 128 MB)" in refused.value.messages[0]
    # Within the size limits but inflating 1000 times: a bomb all the same.
    with pytest.raises(SpreadsheetError, match="zip bomb"):
        open_workbook(
            content,
            filename="bom.xlsx",
            limits=Limits(max_member_bytes=200 * 1024 * 1024, max_total_bytes=300 * 1024 * 1024),
        )


class Unread(io.BytesIO):
    """A file that fails the test if anything reads its content."""

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the content was read")


def test_a_50_mb_csv_is_refused_by_its_size_without_reading_it():
    upload = Unread(b"nomor_anggota;SW\n" + b"1;1\n" * (50 * 1024 * 1024 // 4))
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(upload, filename="gaji.csv")
    assert refused.value.code == "too_big"
    assert refused.value.messages == ["Berkas terlalu besar: 50,0 MB, paling besar 10 MB."]


def test_csv_rows_and_cells_counted_before_parsing():
    many_rows = b"nomor_anggota;SW\n" + b"1;1\n" * 60_000
    with pytest.raises(SpreadsheetError, match="sampai baris 60.001, paling banyak 50.000"):
        open_workbook(many_rows, filename="gaji.csv")
    wide = b"nomor_anggota" + b",1" * 2000 + b"\n"
    with pytest.raises(SpreadsheetError, match="mencakup 4.002 sel"):
        open_workbook(wide * 2, filename="gaji.csv", limits=Limits(max_cells=2000))


def test_csv_encodings_and_separators():
    cases = {
        "\ufeffnomor_anggota;nama;SW\n001;Réné;5.000\n".encode(): ";",
        "nomor_anggota,nama,SW\n001,Réné,5000\n".encode(): ",",
        "nomor_anggota;nama;SW\r\n001;Réné;5.000\r\n".encode("cp1252"): ";",
    }
    for content in cases:
        with open_workbook(content, filename="GAJI.CSV") as book:
            assert [s.name for s in book.sheets] == ["CSV"]
            rows = list(book.rows())
        assert rows[0] == ["nomor_anggota", "nama", "SW"]
        assert rows[1][1] == "Réné"


def test_xlsx_rows_stream_with_their_columns_in_place():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Potongan")
    sheet.write("C3", "nomor_anggota")
    sheet.write("D4", 50000)
    book.close()
    with open_workbook(buffer.getvalue(), filename="gaji.xlsx") as opened:
        assert opened.kind == "xlsx"
        assert [(s.name, s.rows, s.columns, s.cells) for s in opened.sheets] == [
            ("Potongan", 4, 4, 2)
        ]
        rows = list(opened.rows("Potongan"))
    assert rows[2][2] == "nomor_anggota" and rows[3][3] == 50000.0
    with pytest.raises(SpreadsheetError, match="Lembar “Lain” tidak ada"):
        list(open_workbook(buffer.getvalue(), filename="gaji.xlsx").rows("Lain"))


def ods(body: str) -> bytes:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
            'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
            '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
    return buffer.getvalue()


def cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def test_ods_read_and_its_repeats_counted():
    honest = ods(
        '<table:table table:name="Gaji"><table:table-row>'
        + cell("nomor_anggota")
        + cell("SW")
        + '<table:table-cell table:number-columns-repeated="1022"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row></table:table>'
    )
    with open_workbook(honest, filename="gaji.ods") as book:
        assert [(s.name, s.rows, s.columns) for s in book.sheets] == [("Gaji", 1, 2)]
        assert list(book.rows()) == [["nomor_anggota", "SW"]]
    bomb = ods(
        '<table:table table:name="Gaji"><table:table-row table:number-rows-repeated="100000">'
        + cell("x", repeat=1000)
        + "</table:table-row></table:table>"
    )
    assert len(bomb) < 1000
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(bomb, filename="gaji.ods", limits=Limits(max_rows=200_000, max_columns=2000))
    assert refused.value.code == "too_many_cells"


def test_unknown_and_damaged_files():
    with pytest.raises(SpreadsheetError, match="Jenis berkas tidak dikenal"):
        open_workbook(b"MZ", filename="gaji.exe")
    for name in ("gaji.xlsx", "gaji.ods", "gaji.xls"):
        with pytest.raises(SpreadsheetError, match="rusak atau bukan spreadsheet"):
            open_workbook(b"not a spreadsheet at all" * 40, filename=name)


def test_error_log_keeps_a_few_counts_all_and_reports_all_as_csv():
    log = ErrorLog(keep=3)
    for i in range(1000):
        log.add(
            {
                "sheet": "CSV",
                "row": i + 2,
                "column": "B",
                "code": "jumlah_tidak_sah",
                "message": "Bukan jumlah uang.",
                "text": "=HYPERLINK(1)" if i == 0 else "x",
            }
        )
    assert (log.count, len(log.kept), log.codes["jumlah_tidak_sah"]) == (1000, 3, 1000)
    report = log.report()
    text = b"".join(report_lines(report)).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Lembar,Baris,Kolom,Kode,Masalah,Isi sel"
    assert len(lines) == 1001
    assert lines[1] == "CSV,2,B,jumlah_tidak_sah,Bukan jumlah uang.,'=HYPERLINK(1)"
    assert len(report) < len(gzip.compress(text.encode())) * 2


def biff(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def xls(cells: list[tuple[int, int, float]], sheet: str = "Gaji") -> bytes:
    """A minimal .xls by hand: BIFF8 records (one sheet of NUMBER cells) in an OLE2 container
    of 512-byte sectors: the FAT in sector 0, the directory in 1, the Workbook stream after."""

    def bof(kind: int) -> bytes:
        return biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))

    name = sheet.encode("latin-1")
    globals_ = bof(0x0005)
    sheet_at = len(globals_) + (4 + 8 + len(name)) + 4
    globals_ += biff(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name), 0) + name)
    globals_ += biff(0x000A)
    body = bof(0x0010)
    for row, col, value in cells:
        body += biff(0x0203, struct.pack("<HHHd", row, col, 0x0F, value))
    stream = (globals_ + body + biff(0x000A)).ljust(4096, b"\0")  # past the mini-stream cutoff
    sectors = -(-len(stream) // 512)
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header += struct.pack("<109I", 0, *([0xFFFFFFFF] * 108))
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [3 + i for i in range(sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))

    def entry(title: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = title.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child)
            + b"\0" * 36
            + struct.pack("<II", start, size)
            + b"\0" * 4
        )

    directory = (
        entry("Root Entry", 5, 1, 0xFFFFFFFE, 0)
        + entry("Workbook", 2, 0xFFFFFFFF, 2, len(stream))
        + b"\0" * 256
    )
    return header + struct.pack("<128I", *fat) + directory + stream.ljust(sectors * 512, b"\0")


def test_xls_read_and_its_far_cells_refused_before_calamine():
    with open_workbook(xls([(0, 0, 1.0), (1, 1, 50000.0)]), filename="gaji.xls") as book:
        assert book.kind == "xls"
        assert [(s.name, s.rows, s.columns, s.cells) for s in book.sheets] == [("Gaji", 2, 2, 2)]
        assert list(book.rows()) == [[1.0, ""], ["", 50000.0]]
    far = xls([(0, 0, 1.0), (65535, 255, 2.0)])
    assert len(far) < 6000
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(far, filename="gaji.xls", limits=Limits(max_rows=70_000))
    assert refused.value.code == "too_many_cells"
    assert "mencakup 16.777.216 sel" in refused.value.messages[0]


def test_a_sheet_the_scan_cannot_find_is_refused_not_trusted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS.replace("sheet1.xml", "../elsewhere.xml"))
        z.writestr("elsewhere.xml", "<worksheet><sheetData/></worksheet>")
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(buffer.getvalue(), filename="gaji.xlsx")
    assert refused.value.code == "damaged"
