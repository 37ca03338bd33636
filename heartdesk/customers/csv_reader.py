"""Read a real-world CSV file whole, or refuse it whole with a message that names the problem.

Pure functions (stdlib csv + charset_normalizer): encodings with and without BOM, Latin-1 and cp1252,
UTF-16 from Excel, `,` `;` tab and `|` separators, blank lines, quoted newlines.
"""

import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes

DELIMITERS = [",", ";", "\t", "|"]


class CsvError(ValueError):
    """The file as a whole cannot be read; .message says why in words a support manager understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CsvTable:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str
    delimiter: str


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"PK\x03\x04"):
        raise CsvError("This looks like an Excel workbook, not a CSV file; save it as CSV (UTF-8) and try again.")
    if data.startswith(b"%PDF"):
        raise CsvError("This is a PDF document, not a CSV file.")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvError("The file says it is UTF-16 but is not valid UTF-16.")
    if b"\x00" in data:
        raise CsvError("The file contains binary data (NUL bytes); it is not a text CSV file.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        name = best.encoding.replace("_", "-")
        if name in ("cp1252", "windows-1252", "latin-1", "iso8859-1", "iso-8859-1", "cp1250", "iso8859-15"):
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                return data.decode("latin-1"), "latin-1"
        try:
            return str(best), name
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _sniff(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def read_csv(data: bytes, *, max_rows: int = 1_000_000) -> CsvTable:
    if not data.strip():
        raise CsvError("The file is empty.")
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = next((line for line in text.split("\n") if line.strip(" ,;\t|")), "")
    if not first_line:
        raise CsvError("The file is empty.")
    delimiter = _sniff(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    last_line = 0
    try:
        for cells in reader:
            start_line = last_line + 1
            last_line = reader.line_num
            if _blank(cells):
                continue
            if headers is None:
                headers = [c.strip().strip('"').strip() for c in cells]
                while headers and not headers[-1]:
                    headers.pop()
                for index, name in enumerate(headers, start=1):
                    if not name:
                        raise CsvError(f"Column {index} has no name in the header line.")
                seen: set[str] = set()
                for name in headers:
                    if name.casefold() in seen:
                        raise CsvError(f"The header names the column {name!r} twice.")
                    seen.add(name.casefold())
                continue
            values = [c.strip() for c in cells]
            while len(values) > len(headers) and not values[-1]:
                values.pop()
            if len(values) > len(headers):
                raise CsvError(f"Line {start_line} has {len(values)} values but the header has {len(headers)} columns.")
            values += [""] * (len(headers) - len(values))
            rows.append((start_line, dict(zip(headers, values, strict=True))))
            if len(rows) > max_rows:
                raise CsvError(f"The file has more than {max_rows:,} rows; split it into smaller files.")
    except csv.Error as exc:
        if "EOF" in str(exc) or "unexpected end" in str(exc):
            raise CsvError(f"A quote opened on line {last_line + 1} is never closed.")
        raise CsvError(f"Line {reader.line_num} cannot be read: {exc}.")
    if headers is None:
        raise CsvError("The file is empty.")
    if not rows:
        raise CsvError("The file has a header line but no rows.")
    return CsvTable(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)
