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

from charset_normalizer import CharsetMatch, from_bytes

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
# Latin-1 symbols Western text does not stick to a letter (so not ° « » © ®: 25°C, «Oui», ACME®);
# ¡ and ¿ count only inside a word, not in front of one (¿Qué?).
_ODD = "¢£¤¥¦§¨¬\xad¯±²³¶¸¹¼½¾"
_LETTER = r"[^\W\d_]"
_ODD_SYMBOL = re.compile(
    rf"[\x80-\x9f]|(?<={_LETTER})[{_ODD}¡¿](?={_LETTER})|(?<={_LETTER})[{_ODD}]|[{_ODD}](?={_LETTER})"
)
_WORD = re.compile(r"[^\W\d_]+")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
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
    return text.removeprefix("\ufeff").removesuffix("\x1a"), name  # \x1a: the DOS end-of-file mark


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
    sample = _sample(data)
    matches = from_bytes(sample)
    best = matches.best()
    if best is not None and best.encoding not in _WESTERN_CODECS and _script(best.encoding) == "other":
        text = _decode_or_none(data, best.encoding)
        if text is not None and _in_other_script(sample.decode(best.encoding, errors="replace")):
            return text, codecs.lookup(best.encoding).name
    # charset_normalizer often ranks cp1250 or a DOS code page first for plain German or French text. Take
    # another Latin code page only if cp1252 glues symbols to letters where it does not (Łódź, not £ódŸ),
    # or if, that being even, cp1252 is scored worse (Czech ř and ě, not ø and ì).
    odd = _odd_symbols(sample.decode(western_name))
    rival = next((m for m in matches if m.encoding in _WESTERN_CODECS), None)
    for match in matches:
        if match.encoding in _WESTERN_CODECS or _script(match.encoding) != "latin":
            continue
        ours = _odd_symbols(sample.decode(match.encoding, errors="replace"))
        if ours < odd or (ours == odd and rival is not None and _rank(rival) > _rank(match)):
            text = _decode_or_none(data, match.encoding)
            if text is not None:
                return text, codecs.lookup(match.encoding).name
    return western, western_name


def _decode_or_none(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _rank(match: CharsetMatch) -> tuple[float, float]:
    """charset_normalizer's order: less chaos first, then more coherence."""
    return match.chaos, -match.coherence


def _sample(data: bytes, head: int = 16_384, budget: int = 65_536) -> bytes:
    """What charset_normalizer judges: a small file whole; of a big one, its start and its non-ASCII lines."""
    if len(data) <= 4 * budget:
        return data
    parts, size = [data[: max(data.rfind(b"\n", 0, head), data.rfind(b"\r", 0, head)) + 1]], 0
    for match in _NON_ASCII_LINE.finditer(data, len(parts[0])):
        parts.append(match.group()[:4096])
        size += len(parts[-1])
        if size >= budget:
            break
    return b"\n".join(parts)


@functools.lru_cache(maxsize=64)
def _script(codec: str) -> str | None:
    """ "latin" or "other" for the upper half of an ASCII-compatible code page; None for UTF-16, EBCDIC..."""
    try:
        if bytes(range(32, 127)).decode(codec) != bytes(range(32, 127)).decode("ascii"):
            return None
        upper = bytes(range(0x80, 0x100)).decode(codec, errors="ignore")
    except (UnicodeDecodeError, LookupError):
        return None
    letters = [c for c in upper if c.isalpha()]
    return "latin" if sum(ord(c) <= 0x24F for c in letters) * 2 > len(letters) else "other"


def _in_other_script(text: str) -> bool:
    """Whole words in a non-Latin script (Иван, 田中), not lone letters inside Latin words (Mьller, GцЯe)."""
    whole = mixed = 0
    for word in _WORD.findall(text):
        if not word.isascii() and _NON_LATIN_LETTER.search(word):
            if _LATIN_LETTER.search(word):
                mixed += 1
            else:
                whole += 1
    return whole > 0 and mixed * 4 <= whole


def _odd_symbols(text: str) -> int:
    """Control characters, and symbols such as £ ¹ ³ ¿ stuck to letters: signs of the wrong code page."""
    return len(_ODD_SYMBOL.findall(text))


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
