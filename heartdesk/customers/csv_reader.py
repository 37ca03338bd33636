"""Read a real-world CSV file whole, or refuse it whole with a message that names the problem.

Pure functions (stdlib csv + charset_normalizer), no Django: encodings with and without BOM, Latin-1 and
cp1252, UTF-16 from Excel, `,` `;` tab and `|` separators, blank lines, quoted newlines, Excel's `sep=`
hint line. Line numbers are physical lines of the file, so a support manager can open the file and look.
"""

import codecs
import csv
import functools
import io
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

DELIMITERS = (",", ";", "\t", "|")

EXCEL_MESSAGE = "This looks like an Excel workbook, not a CSV file; save it as CSV (UTF-8) and try again."
NUL_MESSAGE = "The file contains binary data (NUL bytes), so it is not a CSV text file."
SAVE_AS_UTF8 = "save it again as CSV (UTF-8) and try again."

# Byte-order marks, longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_NON_ASCII_LINE = re.compile(rb"[^\r\n]*[\x80-\xff][^\r\n]*")
_WESTERN_CODECS = ("cp1252", "latin_1", "ascii", "utf_8")
_WORD = re.compile(r"[^\W\d_]{2,}")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")
_NON_LATIN_WORD = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]{2,}")
_BLANK_LINE = re.compile(r'[\s,;|"]*')
_SEP_HINT = re.compile(r"\s*sep=([,;\t|])\s*", re.IGNORECASE)
_HEADER_JUNK = " \t\f\v\xa0\u200b\u3000\ufeff\"'"


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


def read_csv(data: bytes, *, max_rows: int = 1_000_000) -> CsvTable:
    """Decode, sniff and parse `data`; every row or a CsvError, never part of the file."""
    text, encoding = _decode(data)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_number, first_line = _first_content_line(text)
    if first_line is None:
        raise CsvError("The file is empty.")
    hint = _SEP_HINT.fullmatch(first_line)
    hint_line = first_number if hint else 0
    delimiter = hint.group(1) if hint else _sniff(first_line)

    newlines = text.count("\n")
    last_line = newlines + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    headers: list[str] | None = None
    width = 0
    rows: list[tuple[int, dict[str, str]]] = []
    end = 0
    strip = str.strip
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if end == last_line:
                # A quote left open swallows the rest of the file into one value: refuse, don't guess.
                opened = _scan_record(text, _line_offset(text, start, newlines), start, delimiter)
                if opened:
                    raise CsvError(f"The quote that opens a value on line {opened} is never closed.")
            values = list(map(strip, cells))
            if not any(values) or start == hint_line:
                continue
            if headers is None:
                headers = _header_names(values)
                width = len(headers)
                continue
            if len(values) != width:
                while len(values) > width and not values[-1]:
                    values.pop()
                if len(values) > width:
                    columns = _columns(width)
                    raise CsvError(f"Line {start} has {len(values)} values but the header has {columns}.")
                values.extend([""] * (width - len(values)))
            rows.append((start, dict(zip(headers, values, strict=True))))
            if len(rows) > max_rows:
                raise CsvError(
                    f"The file has more than {max_rows:,} rows, the most one import can take; "
                    "split it into smaller files."
                )
    except csv.Error as exc:
        raise _parse_error(exc, text, end + 1, newlines, delimiter) from None
    if headers is None:
        raise CsvError("The file is empty.")
    if not rows:
        raise CsvError("The file has a header line but no rows.")
    return CsvTable(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)


# --- decoding ---------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise CsvError(EXCEL_MESSAGE)  # .xlsx/.ods are ZIP archives; .xls is an OLE2 compound file
    if data.startswith(b"%PDF"):
        raise CsvError("This is a PDF document, not a CSV file; export the data as CSV and try again.")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            text = _decode_strictly(data, codec, name)
            break
    else:
        if b"\x00" in data:
            codec = _utf16_without_bom(data)
            if codec is None:
                raise CsvError(NUL_MESSAGE)
            text, name = _decode_strictly(data, codec, "utf-16"), "utf-16"
        else:
            text, name = _decode_8bit(data)
    if "\x00" in text:
        raise CsvError(NUL_MESSAGE)
    return text.removeprefix("\ufeff"), name


def _decode_strictly(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_at(data[: exc.start].decode(codec, errors="replace"))
        label = name.upper()
        message = f"The file is {label} text, but line {line} holds bytes that are not valid {label}"
        raise CsvError(f"{message}; {SAVE_AS_UTF8}") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: mostly-ASCII text has a NUL in every other byte."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    pairs = len(data) // 2
    if odd >= pairs * 0.3 and even * 10 <= odd:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd * 10 <= even:
        return "utf-16-be"
    return None


def _decode_8bit(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        replaced = data.decode("utf-8", errors="replace")
        stray = replaced.count("\ufffd")
        utf8 = len(replaced) - len(replaced.encode("ascii", errors="ignore")) - stray
        if utf8 and utf8 * 4 >= stray:
            line = _line_at(data[: exc.start].decode("utf-8", errors="replace"))
            message = f"The file mixes two text encodings: it is UTF-8 up to line {line}, which is not"
            raise CsvError(f"{message}; {SAVE_AS_UTF8}") from None
    try:
        western, western_name = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        western, western_name = data.decode("latin-1"), "latin-1"
    # Judge on the lines that hold non-ASCII bytes, not on megabytes of plain ASCII around them.
    sample = _non_ascii_lines(data)
    matches = from_bytes(sample)
    best = matches.best()
    if best is None or best.encoding in _WESTERN_CODECS:
        return western, western_name
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return western, western_name
    name = codecs.lookup(best.encoding).name
    sample_text = sample.decode(best.encoding, errors="replace")
    if not _is_latin_codec(best.encoding):
        # Cyrillic, Greek or CJK text is made of words in that script. Western text read in such a code page
        # gives mostly lone letters between ASCII ones (Müller -> Mьller): keep it Western.
        letters = len(_NON_LATIN_LETTER.findall(sample_text))
        in_words = sum(map(len, _NON_LATIN_WORD.findall(sample_text)))
        return (text, name) if in_words and in_words * 2 >= letters else (western, western_name)
    # charset_normalizer often ranks cp1250 first for plain German or French text. Take the other Latin code
    # page only if it turns more bytes into letters inside words (Łódź, not £ódŸ) or if, letter for letter
    # even, cp1252 is scored worse (Czech ř/ě against ø/ì).
    ours = _letters_in_words(sample_text)
    theirs = _letters_in_words(sample.decode(western_name))
    if ours != theirs:
        return (text, name) if ours > theirs else (western, western_name)
    rival = next((m for m in matches if m.encoding in _WESTERN_CODECS), None)
    if rival is not None and (rival.chaos > best.chaos or rival.coherence < best.coherence):
        return text, name
    return western, western_name


def _non_ascii_lines(data: bytes, budget: int = 65_536) -> bytes:
    lines, size = [], 0
    for match in _NON_ASCII_LINE.finditer(data):
        lines.append(match.group()[:4096])
        size += len(lines[-1])
        if size >= budget:
            break
    return b"\n".join(lines)


@functools.lru_cache(maxsize=64)
def _is_latin_codec(codec: str) -> bool:
    letters = [c for c in bytes(range(0x80, 0x100)).decode(codec, errors="ignore") if c.isalpha()]
    return sum(ord(c) <= 0x24F for c in letters) * 2 > len(letters)


def _letters_in_words(text: str) -> int:
    """Non-ASCII cased letters (not symbols, not modifier marks) in words of two or more letters."""
    count = 0
    for word in _WORD.findall(text):
        if not word.isascii():
            letters = [c for c in word if c.lower() != c.upper()]
            if len(letters) > 1:
                count += sum(not c.isascii() for c in letters)
    return count


def _line_at(prefix: str) -> int:
    """Physical line number of the character just after `prefix`; \\r\\n, \\n and lone \\r all end a line."""
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


# --- layout ----------------------------------------------------------------------------------------------


def _first_content_line(text: str) -> tuple[int, str | None]:
    pos, number = 0, 1
    while pos <= len(text):
        stop = text.find("\n", pos)
        if stop == -1:
            stop = len(text)
        line = text[pos:stop]
        if not _BLANK_LINE.fullmatch(line):
            return number, line
        pos, number = stop + 1, number + 1
    return 0, None


def _sniff(header_line: str) -> str:
    """The delimiter seen most often outside quotes in the header line; a tie goes to the first listed."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def _header_names(cells: list[str]) -> list[str]:
    names = [cell.strip(_HEADER_JUNK).strip() for cell in cells]
    while names and not names[-1]:
        names.pop()  # a trailing delimiter; the matching empty cells in rows are dropped too
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if not name:
            raise CsvError(f"Column {number} has no name in the header line.")
        key = name.casefold()
        if key in seen:
            raise CsvError(
                f'The header line names the column "{name}" twice (columns {seen[key]} and {number}); '
                "every column needs its own name."
            )
        seen[key] = number
    return names


def _columns(count: int) -> str:
    return f"{count} column" if count == 1 else f"{count} columns"


# --- quotes ----------------------------------------------------------------------------------------------


def _line_offset(text: str, line: int, newlines: int) -> int:
    """Offset where physical `line` starts, walking back from the end (the lines asked for are near it)."""
    if line <= 1:
        return 0
    pos = len(text)
    for _ in range(newlines - line + 2):
        pos = text.rfind("\n", 0, pos)
    return pos + 1


def _scan_record(text: str, pos: int, line: int, delimiter: str, limit: int | None = None) -> int | None:
    """Walk one record from text[pos:] the way csv.reader(skipinitialspace=True) does.

    Returns the line where a quoted value begins that is never closed (or, with `limit`, where a value longer
    than `limit` characters begins); None when the record is well formed. Only used on the last record and
    on a record the csv module refused, so it never walks more than one record.
    """
    size = len(text)
    while True:
        while pos < size and text[pos] == " ":
            pos += 1
        begin_line, begin = line, pos
        if pos < size and text[pos] == '"':
            close = pos
            while True:
                close = text.find('"', close + 1)
                if close == -1:
                    return begin_line
                if not text.startswith('"', close + 1):
                    break
                close += 1  # a doubled quote stands for one quote
            line += text.count("\n", pos, close)
            pos = close + 1
        newline = text.find("\n", pos)
        if newline == -1:
            newline = size
        stop = text.find(delimiter, pos, newline)
        if stop == -1:
            stop = newline
        if limit is not None and stop - begin > limit:
            return begin_line
        if stop == newline:
            return None
        pos = stop + 1


def _parse_error(exc: csv.Error, text: str, line: int, newlines: int, delimiter: str) -> CsvError:
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        start = _scan_record(text, _line_offset(text, line, newlines), line, delimiter, limit) or line
        return CsvError(
            f"The value that starts on line {start} is longer than {limit:,} characters; "
            "probably a closing quote is missing."
        )
    return CsvError(f"Line {line} cannot be read as CSV ({exc}).")
