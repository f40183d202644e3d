"""Checks run on a spreadsheet's bytes before calamine reads it.

calamine builds each sheet as a dense grid from its first to its last cell (``Range::from_sparse``,
tafia/calamine#693), and python-calamine builds that grid as soon as a sheet is opened:
``iter_rows`` only walks a grid already allocated. A 1,5 KB xlsx with cells at A1 and
XFD1048576 therefore asks for 1 048 576 × 16 384 cells × 32 bytes = 512 GiB and aborts the
process. So the grid each sheet would span is measured here, from the file itself, and refused
above :attr:`Limits.max_cells` before calamine is called:

- xlsx: every member is inflated (streaming, counted, stopped at the limits: a zip's declared
  sizes may lie) and each worksheet's XML is scanned for its ``<dimension>`` and for the
  position of every ``<row>`` and ``<c>`` tag;
- ods: ``content.xml`` is scanned the same way, counting ``number-columns-repeated`` and
  ``number-rows-repeated`` of the cells that hold something;
- xls: the OLE2 container is walked to the Workbook stream and its BIFF cell records read.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _

from core.spreadsheet.limits import MB, Limits, SpreadsheetError

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
CHUNK = MB


@dataclass
class Grid:
    """The cells a sheet holds and the grid they span (0-based, inclusive)."""

    name: str
    cells: int = 0
    first_row: int | None = None
    last_row: int = -1
    first_col: int | None = None
    last_col: int = -1
    # Cells holding an Excel error (#REF!, #VALUE!…), which calamine reads as empty: (row, col)
    # → the error's text. Capped: a sheet of errors is refused by its reader long before.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)

    def add(self, row: int, col: int, *, rows: int = 1, cols: int = 1) -> None:
        self.cells += rows * cols
        self.first_row = row if self.first_row is None else min(self.first_row, row)
        self.first_col = col if self.first_col is None else min(self.first_col, col)
        self.last_row = max(self.last_row, row + rows - 1)
        self.last_col = max(self.last_col, col + cols - 1)

    @property
    def height(self) -> int:
        return 0 if self.first_row is None else self.last_row - self.first_row + 1

    @property
    def width(self) -> int:
        return 0 if self.first_col is None else self.last_col - self.first_col + 1


def number(n: int) -> str:
    """1048576 → "1.048.576", as Indonesians write it."""
    return f"{n:,}".replace(",", ".")


def check_grid(grid: Grid, limits: Limits) -> None:
    if grid.last_row >= EXCEL_ROWS or grid.last_col >= EXCEL_COLUMNS:
        raise SpreadsheetError(
            _("Lembar “%(s)s” memakai sel di luar batas spreadsheet; berkas ditolak.")
            % {"s": grid.name},
            code="grid_outside",
        )
    if grid.last_row + 1 > limits.max_rows:
        raise SpreadsheetError(
            _("Lembar “%(s)s” terlalu panjang: sampai baris %(n)s, paling banyak %(max)s baris.")
            % {"s": grid.name, "n": number(grid.last_row + 1), "max": number(limits.max_rows)},
            code="too_many_rows",
        )
    if grid.last_col + 1 > limits.max_columns:
        raise SpreadsheetError(
            _("Lembar “%(s)s” terlalu lebar: %(n)s kolom, paling banyak %(max)s kolom.")
            % {"s": grid.name, "n": number(grid.last_col + 1), "max": number(limits.max_columns)},
            code="too_many_columns",
        )
    spanned = grid.height * grid.width
    if max(spanned, grid.cells) > limits.max_cells:
        raise SpreadsheetError(
            _(
                "Lembar “%(s)s” mencakup %(n)s sel (dari sel pertama sampai sel terakhir), "
                "paling banyak %(max)s sel. Hapus isi atau format sel yang jauh di luar tabel, "
                "lalu unggah lagi."
            )
            % {
                "s": grid.name,
                "n": number(max(spanned, grid.cells)),
                "max": number(limits.max_cells),
            },
            code="too_many_cells",
        )


# --- zip (xlsx, ods) ----------------------------------------------------------------------------


def _damaged(exc: Exception | None = None) -> SpreadsheetError:
    return SpreadsheetError(
        _("Berkas spreadsheet rusak atau bukan spreadsheet; simpan ulang lalu unggah lagi."),
        code="damaged",
    )


def _too_big_inflated(limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Isi berkas terlalu besar setelah dibuka (paling banyak %(max)s MB); "
            "berkas ditolak sebelum dibaca."
        )
        % {"max": limits.max_total_bytes // MB},
        code="inflated_too_big",
    )


def check_zip(
    stream: IO[bytes], limits: Limits, scanners: dict[str, Callable[[Iterator[bytes]], None]]
) -> None:
    """Inflate every member of a zip within the limits, feeding the members named in
    ``scanners`` to their scanner as they inflate. Sizes are checked as declared first (cheap),
    then as actually inflated (a zip's headers may lie)."""
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _damaged(exc) from exc
    if len(members) > limits.max_members:
        raise SpreadsheetError(
            _("Berkas berisi terlalu banyak bagian (%(n)s, paling banyak %(max)s).")
            % {"n": len(members), "max": limits.max_members},
            code="too_many_members",
        )
    declared = 0
    for info in members:
        declared += info.file_size
        if info.file_size > limits.max_member_bytes or declared > limits.max_total_bytes:
            raise _too_big_inflated(limits)
        if info.file_size > MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise SpreadsheetError(
                _("Berkas dipadatkan secara tidak wajar (zip bomb); berkas ditolak."),
                code="zip_bomb",
            )
    inflated = [0]
    for info in members:
        if info.is_dir():
            continue
        chunks = _inflate(archive, info, limits, inflated)
        scanner = scanners.get(info.filename)
        try:
            if scanner is not None:
                scanner(chunks)
            for _chunk in chunks:  # every member is inflated and counted, scanned or not
                pass
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise _damaged(exc) from exc


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, inflated: list[int]
) -> Iterator[bytes]:
    """A member's bytes as they inflate, stopped at the member's and the archive's limits
    (``inflated`` carries the archive's running total)."""
    seen = 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            seen += len(chunk)
            inflated[0] += len(chunk)
            if seen > limits.max_member_bytes or inflated[0] > limits.max_total_bytes:
                raise _too_big_inflated(limits)
            yield chunk


def tags(chunks: Iterator[bytes], pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """The matches of a tag pattern over XML arriving in chunks (a tag never split)."""
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk
        cut = buffer.rfind(b">") + 1
        yield from pattern.finditer(buffer, 0, cut)
        carry = buffer[cut:]


_ATTRS: dict[bytes, re.Pattern[bytes]] = {}


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    pattern = _ATTRS.get(name)
    if pattern is None:  # a few names, each compiled once: a sheet has a million cells
        pattern = _ATTRS[name] = re.compile(
            rb"(?:^|\s)" + re.escape(name) + rb"\s*=\s*[\"']([^\"']*)[\"']"
        )
    found = pattern.search(attrs)
    return found.group(1) if found else None


_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


_COLUMNS: dict[bytes, int] = {}  # column letters → 0-based index, as met


def cell_ref(text: bytes) -> tuple[int, int]:
    """``b"XFD1048576"`` → (1048575, 16383), 0-based."""
    found = _CELL_REF.fullmatch(text.strip())
    if not found:
        raise ValueError(text)
    letters = found.group(1)
    col = _COLUMNS.get(letters)
    if col is None:
        col = -1
        for letter in letters.upper():
            col = (col + 1) * 26 + letter - 65
        if len(_COLUMNS) < 100_000:
            _COLUMNS[letters] = col
    return int(found.group(2)) - 1, col


# --- xlsx ---------------------------------------------------------------------------------------

MAX_ERROR_CELLS = 10_000
_ERROR_VALUE = re.compile(
    rb"\s*(?:<(?:\w+:)?f[^>]*>[^<]*</(?:\w+:)?f>|<(?:\w+:)?f[^>]*/>)?\s*<(?:\w+:)?v>([^<]{1,20})</"
)
# A cell tag in the form Excel and openpyxl write it, ``<c r="B7" s="3" t="s">``, is read by the
# first branch without looking at its attributes one by one (a sheet has a million cells);
# any other form of a cell, row or dimension tag takes the second, general one.
_XLSX_TAG = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]*")?(?: t="([A-Za-z]*)")?(?: s="[0-9]*")?\s*/?>'
    rb"|<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)(\s[^>]*)?/?>"
)
CHECK_EVERY = 65536  # cells between two checks of a growing grid


def _merge(grid: Grid, cells: int, top: int, left: int, bottom: int, right: int) -> None:
    """Cells counted apart (``cells`` of them, spanning top…bottom × left…right) into ``grid``."""
    if not cells:
        return
    grid.cells += cells
    grid.first_row = top if grid.first_row is None else min(grid.first_row, top)
    grid.first_col = left if grid.first_col is None else min(grid.first_col, left)
    grid.last_row = max(grid.last_row, bottom)
    grid.last_col = max(grid.last_col, right)


def xlsx_scanner(grid: Grid, limits: Limits) -> Callable[[Iterator[bytes]], None]:
    def scan(chunks: Iterator[bytes]) -> None:
        row, col = -1, -1
        # The common cells' span, kept in locals and merged into the grid at each check.
        far = EXCEL_ROWS * EXCEL_COLUMNS
        cells, top, left, bottom, right = 0, far, far, -1, -1
        columns = _COLUMNS
        for match in tags(chunks, _XLSX_TAG):
            letters = match.group(1)
            if letters is not None:
                col = columns.get(letters, -1)
                if col < 0:
                    col = cell_ref(letters + b"1")[1]
                row = int(match.group(2)) - 1
                at = row if row > 0 else 0
                cells += 1
                if at < top:
                    top = at
                if at > bottom:
                    bottom = at
                if col < left:
                    left = col
                if col > right:
                    right = col
                if match.group(3) == b"e" and len(grid.errors) < MAX_ERROR_CELLS:
                    value = _ERROR_VALUE.match(match.string, match.end())
                    text = value.group(1).decode("utf-8", "replace") if value else "#ERROR!"
                    grid.errors[(at, col)] = text
                if cells >= CHECK_EVERY:
                    _merge(grid, cells, top, left, bottom, right)
                    cells, top, left, bottom, right = 0, far, far, -1, -1
                    check_grid(grid, limits)
                continue
            kind, attrs = match.group(4), match.group(5) or b""
            ref = _attr(attrs, b"r") if kind != b"dimension" else _attr(attrs, b"ref")
            try:
                if kind == b"c":
                    if ref:
                        row, col = cell_ref(ref)
                    else:
                        col += 1
                    grid.add(max(row, 0), col)
                    if _attr(attrs, b"t") == b"e" and len(grid.errors) < MAX_ERROR_CELLS:
                        value = _ERROR_VALUE.match(match.string, match.end())
                        text = value.group(1).decode("utf-8", "replace") if value else "#ERROR!"
                        grid.errors[(max(row, 0), col)] = text
                    if grid.cells % CHECK_EVERY == 0:
                        check_grid(grid, limits)
                elif kind == b"row":
                    row = int(ref) - 1 if ref else row + 1
                    col = -1
                elif ref:  # <dimension ref="A1:XFD1048576">: refused on sight when absurd
                    corners = [cell_ref(part) for part in ref.split(b":")]
                    declared = Grid(grid.name)
                    declared.add(corners[0][0], corners[0][1])
                    declared.add(corners[-1][0], corners[-1][1])
                    check_grid(declared, limits)
            except ValueError as exc:
                raise _damaged(exc) from exc
        _merge(grid, cells, top, left, bottom, right)
        check_grid(grid, limits)

    return scan


_SHEET = re.compile(rb"<(?:\w+:)?sheet\s([^>]*)/?>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)/?>")


def xlsx_sheets(workbook: bytes, rels: bytes) -> list[tuple[str, str]]:
    """(sheet name, worksheet member) in workbook order."""
    targets = {}
    for match in _REL.finditer(rels):
        rel_id, target = _attr(match.group(1), b"Id"), _attr(match.group(1), b"Target")
        if rel_id and target:
            path = target.decode("utf-8", "replace").lstrip("/")
            targets[rel_id] = path if path.startswith("xl/") else "xl/" + path
    sheets = []
    for match in _SHEET.finditer(workbook):
        name = _attr(match.group(1), b"name")
        rel_id = _attr(match.group(1), b"r:id") or _attr(match.group(1), b"id")
        if name is None:
            continue
        member = targets.get(rel_id or b"", "")
        sheets.append((html.unescape(name.decode("utf-8", "replace")), member))
    return sheets


# --- ods ----------------------------------------------------------------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(\s[^>]*?)?(/?)>"
)


def ods_scanner(grids: list[Grid], limits: Limits) -> Callable[[Iterator[bytes]], None]:
    """Cells that hold nothing (LibreOffice writes the rest of a row as one empty cell repeated
    a thousand times, and the rest of the sheet as an empty row repeated a million times) are
    not counted: calamine does not materialise them past the last value."""

    def scan(chunks: Iterator[bytes]) -> None:
        grid: Grid | None = None
        row = col = 0
        row_repeat = 1
        for match in tags(chunks, _ODS_TAG):
            closing, kind, attrs, empty = match.groups()
            attrs = attrs or b""
            if kind == b"table":
                if closing:
                    if grid is not None:
                        check_grid(grid, limits)
                    grid = None
                else:
                    name = _attr(attrs, b"table:name") or b""
                    grid = Grid(html.unescape(name.decode("utf-8", "replace")))
                    grids.append(grid)
                    row = 0
                continue
            if grid is None:
                continue
            repeat = int(
                _attr(
                    attrs,
                    b"table:number-rows-repeated"
                    if kind == b"table-row"
                    else b"table:number-columns-repeated",
                )
                or b"1"
            )
            if kind == b"table-row":
                if closing:
                    row += row_repeat
                else:
                    row_repeat, col = repeat, 0
                    if empty:
                        row += row_repeat
                continue
            if closing:
                continue
            if not empty or b"office:value-type" in attrs:
                grid.add(row, col, rows=row_repeat, cols=repeat)
                if grid.cells > limits.max_cells or grid.last_row >= EXCEL_ROWS:
                    check_grid(grid, limits)
            col += repeat
        for each in grids:
            check_grid(each, limits)

    return scan


# --- xls (OLE2 + BIFF8) -------------------------------------------------------------------------

# Records that put a value in a cell: (row, column) are their first two words.
_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x0204, 0x027E, 0x00D6, 0x0205}
_BIFF_MULRK = 0x00BD
_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0085
_END = 0xFFFFFFFE


def _ole_stream(data: bytes, name: str) -> bytes:
    """One stream of an OLE2 compound file (the Workbook of an .xls), by walking its FAT."""
    if data[:8] != bytes.fromhex("d0cf11e0a1b11ae1") or len(data) < 512:
        raise ValueError("not OLE2")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 44)
    mini_cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from(
        "<IIIII", data, 56
    )

    def sector(i: int) -> bytes:
        start = (i + 1) * size
        if start + size > len(data) + size or i >= 0x7FFFFFF0:
            raise ValueError("sector")
        return data[start : start + size]

    fat_sectors = list(struct.unpack_from("<109I", data, 76))
    next_difat = first_difat
    for _i in range(n_difat):
        if next_difat >= 0xFFFFFFFA:
            break
        block = struct.unpack(f"<{size // 4}I", sector(next_difat))
        fat_sectors.extend(block[:-1])
        next_difat = block[-1]
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))

    def chain(start: int, table: list[int]) -> Iterator[int]:
        seen = 0
        while start < 0xFFFFFFFA:
            yield start
            seen += 1
            if seen > len(table) or start >= len(table):
                raise ValueError("chain")
            start = table[start]

    directory = b"".join(sector(s) for s in chain(first_dir, fat))
    root_start = 0
    for offset in range(0, len(directory) - 127, 128):
        entry = directory[offset : offset + 128]
        name_len = struct.unpack_from("<H", entry, 64)[0]
        entry_name = entry[: max(name_len - 2, 0)].decode("utf-16-le", "replace")
        kind = entry[66]
        start, length = struct.unpack_from("<II", entry, 116)
        if kind == 5:
            root_start = start
        if kind == 2 and entry_name.lower() in (name.lower(), "book"):
            if length < mini_cutoff:
                minifat: list[int] = []
                for s in chain(first_minifat, fat):
                    minifat.extend(struct.unpack(f"<{size // 4}I", sector(s)))
                mini = b"".join(sector(s) for s in chain(root_start, fat))
                m_size = 1 << mini_shift
                stream = b"".join(
                    mini[s * m_size : (s + 1) * m_size] for s in chain(start, minifat)
                )
            else:
                stream = b"".join(sector(s) for s in chain(start, fat))
            return stream[:length]
    raise ValueError("no Workbook stream")


def xls_grids(data: bytes, limits: Limits) -> list[Grid]:
    try:
        stream = _ole_stream(data, "Workbook")
    except (ValueError, struct.error, IndexError) as exc:
        raise _damaged(exc) from exc
    grids: list[Grid] = []
    names: list[str] = []
    grid: Grid | None = None
    depth = 0
    offset = 0
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if kind == _BIFF_BOF:
            depth += 1
            sheet_type = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else 0
            if sheet_type == 0x0010 and depth == 1:  # a worksheet substream
                position = len(grids)
                grid = Grid(names[position] if position < len(names) else f"#{position + 1}")
                grids.append(grid)
        elif kind == _BIFF_EOF:
            depth = max(depth - 1, 0)
            if grid is not None and depth == 0:
                check_grid(grid, limits)
                grid = None
        elif kind == _BIFF_BOUNDSHEET and grid is None and len(body) >= 8:
            chars = body[6]
            wide = body[7] & 1
            raw = body[8 : 8 + chars * (2 if wide else 1)]
            names.append(raw.decode("utf-16-le" if wide else "latin-1", "replace"))
        elif grid is not None and len(body) >= 4 and kind in _BIFF_CELLS | {_BIFF_MULRK}:
            row, col = struct.unpack_from("<HH", body, 0)
            cols = 1
            if kind == _BIFF_MULRK and len(body) >= 6:
                cols = max(struct.unpack_from("<H", body, len(body) - 2)[0] - col + 1, 1)
            grid.add(row, col, cols=cols)
            if grid.cells > limits.max_cells:
                check_grid(grid, limits)
    for each in grids:
        check_grid(each, limits)
    return grids
