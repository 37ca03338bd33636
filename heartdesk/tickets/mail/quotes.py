"""The new part of a reply, without the history its mail client quoted below it. Pure, no Django.

Agents read a ticket as a conversation, so each message should show only what its sender added; the full text
stays stored next to it. Every rule here is best-effort and errs towards keeping text: a customer's words that
look like a quote cost an agent a glance, while a lost sentence costs a wrong answer. Hence:

* an attribution ("On ... wrote:") ends the new text only when quoted lines follow it, or when it carries a date
  (a digit), as every client's automatic attribution does and a person's "as Anna wrote:" rarely does;
* inline answers between quoted lines are kept (only the quoted lines go);
* forwarded messages ("---------- Forwarded message ---------") are content, not history, and are kept;
* when everything is quoted, the original text is returned: an empty message helps nobody.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

__all__ = ["CUT_IDS", "QUOTE_CLASSES", "strip_quoted", "strip_quoted_html"]

# --- plain text -------------------------------------------------------------------------------------------

# One automatic attribution per language: "<keyword> <date and sender> <verb>:". Gmail wraps long ones over
# two or three lines, so they are also tried on joined lines that start with the keyword.
_ATTRIBUTIONS = [
    (r"on", r"(?:wrote|writes|said)"),  # English; Gmail, Apple Mail, Thunderbird
    (r"am", r"schrieb\b.*"),  # German: "Am 12.03.2024 um 10:00 schrieb Max Muster <max@example.de>:"
    (r"le", r"a\s+[ée]crit"),  # French: "Le mar. 12 mars 2024 à 10:00, Jean <j@x.fr> a écrit :"
    (r"el", r"escribi[óo]"),  # Spanish
    (r"op", r"(?:heeft\s+)?.*schreef\b.*"),  # Dutch: "Op di 12 mrt 2024 om 10:00 schreef Jan <j@x.nl>:"
    (r"il", r"ha\s+scritto"),  # Italian
    (r"(?:em|no dia)", r"escreveu"),  # Portuguese
    (r"(?:den|d\.|på)", r"skrev\b.*"),  # Swedish, Danish, Norwegian
    (r"w dniu", r"napisał(?:\(a\))?"),  # Polish
]
_STRONG = [re.compile(rf"^{keyword}\b.{{3,300}}\b{verb}\s*:$", re.IGNORECASE) for keyword, verb in _ATTRIBUTIONS]
_KEYWORD_START = re.compile(rf"^(?:{'|'.join(keyword for keyword, _ in _ATTRIBUTIONS)})\b", re.IGNORECASE)
# Any "... wrote:" line; trusted only when a quoted line follows ("Anna Smith wrote:", Russian "Иван пишет:").
_WEAK = re.compile(
    r"^.{0,300}\b(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|schreef|ha\s+scritto|escreveu|skrev|napisał|пишет|"
    r"написал|написала)\b.{0,120}:$",
    re.IGNORECASE,
)

_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine|"
    r"mensaje original|oorspronkelijk bericht|messaggio originale|mensagem original|originalmeddelande|"
    r"oprindelig meddelelse|opprinnelig melding|wiadomość oryginalna|исходное сообщение|原始邮件)\s*-{2,}$",
    re.IGNORECASE,
)
_FROM_KEYS = r"from|von|de|van|da|från|fra|od|от|寄件者|发件人|差出人"
_DATE_KEYS = (
    r"sent|date|gesendet|datum|envoy[ée]|enviado(?:\s+el)?|fecha|verzonden|inviato|data|skickat|sendt|"
    r"wysłano|отправлено|дата|傳送時間|发送时间|送信日時"
)
_HEADER_FROM = re.compile(rf"^\*?(?:{_FROM_KEYS})\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_DATE = re.compile(rf"^\*?(?:{_DATE_KEYS})\s*:\*?\s*\S", re.IGNORECASE)
_SEPARATOR = re.compile(r"^_{20,}$")  # Outlook's line of 32 underscores above a reply's header block
_FORWARD = re.compile(
    r"(?:forwarded message|begin forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|"
    r"mensaje reenviado|doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada)",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(?:sent from|sent via|sent with|get outlook for|envoy[ée] de mon|envoy[ée] depuis|von meinem|"
    r"gesendet von|enviado desde|enviado do meu|verstuurd vanaf|verzonden vanaf|inviato da|skickat från|"
    r"sendt fra|wysłane z|отправлено с)\b.{0,80}$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The text the sender wrote, without quoted history or a trailing "Sent from my iPhone"."""
    if not text or not text.strip():
        return (text or "").strip()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    norm = [line.replace("\xa0", " ").strip() for line in lines]
    end = _history_start(norm)
    dropped: set[int] = set()
    attribution = _attribution(norm, end)
    if attribution is not None:
        start, stop, strong = attribution
        after = [line for line in norm[stop:end] if line]
        quoted = [line for line in after if line.startswith(">")]
        if quoted and len(quoted) < len(after):
            dropped.update(range(start, stop))  # answers between the quoted lines: keep them
        elif quoted or strong:
            end = start
    kept = [line for i, line in enumerate(lines[:end]) if i not in dropped and not norm[i].startswith(">")]
    while kept and (not kept[-1].strip() or _MOBILE_SIGNATURE.match(kept[-1].strip())):
        kept.pop()
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip("\n")
    return result if result.strip() else text.strip()


def _history_start(norm: list[str]) -> int:
    """Where an Outlook-style history (not marked with ">") begins, or len(norm)."""
    for i, line in enumerate(norm):
        if _ORIGINAL_MESSAGE.match(line):
            return i
        if _SEPARATOR.match(line) and _HEADER_FROM.match(_next_nonblank(norm, i)):
            return i
        if (
            _HEADER_FROM.match(line)
            and any(_HEADER_DATE.match(n) for n in norm[i + 1 : i + 6])
            and not _FORWARD.search(_previous_nonblank(norm, i))
        ):
            return i
    return len(norm)


def _attribution(norm: list[str], end: int) -> tuple[int, int, bool] | None:
    """(first line, line after it, strong) of the first attribution before `end`."""
    for i in range(end):
        line = norm[i]
        if not line or line.startswith(">"):
            continue
        joined = line
        for stop in range(i + 1, min(i + 3, end) + 1):
            strong = any(pattern.match(joined) for pattern in _STRONG)
            if strong or (stop == i + 1 and _WEAK.match(joined)):
                has_date = strong and any(ch.isdigit() for ch in joined)
                if has_date or _next_nonblank(norm, stop - 1).startswith(">"):
                    return i, stop, has_date
                break
            if stop >= end or not _KEYWORD_START.match(line) or not norm[stop] or norm[stop].startswith(">"):
                break
            joined = f"{joined} {norm[stop]}"
    return None


def _next_nonblank(norm: list[str], i: int) -> str:
    return next((line for line in norm[i + 1 : i + 4] if line), "")


def _previous_nonblank(norm: list[str], i: int) -> str:
    return next((line for line in reversed(norm[max(0, i - 3) : i]) if line), "")


def _is_attribution(text: str) -> bool:
    """Whether one line of text (whitespace folded) reads as a mail client's "On ... wrote:" line."""
    text = " ".join(text.split())
    return any(pattern.match(text) for pattern in _STRONG) or bool(_WEAK.match(text))


# --- HTML -------------------------------------------------------------------------------------------------

# Containers of quoted history, and markers after which everything is history; parse.sanitize_html keeps
# exactly these classes and ids (and no others, so mail cannot borrow our page's styles or clobber its ids).
QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted"})
CUT_IDS = frozenset({"divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_BLOCKS = frozenset(
    {"div", "p", "table", "tbody", "tr", "td", "th", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5"}
    | {"h6", "pre", "center", "section", "article", "hr", "br"}
)
_HEADER_BLOCK = re.compile(
    rf"^\s*(?:-{{2,}}[^-]{{3,40}}-{{2,}}\s*)?\*?(?:{_FROM_KEYS})\s*:.{{0,400}}?(?:{_DATE_KEYS})\s*:",
    re.IGNORECASE | re.DOTALL,
)
_MAX_BLOCK_CHUNKS = 200  # header blocks are small; don't re-read big containers on every close


class _QuoteStripper(HTMLParser):
    """Re-emits the HTML it reads, skipping quote containers and stopping at Outlook's reply header."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.block: list[bool] = []  # out[i] is a block-level tag
        self.stack: list[list] = []  # [tag, index in out, still emitted]
        self.skip_depth = 0  # > 0 while inside a quote container opened at that stack depth
        self.done = False
        self.changed = False
        self.last_closed: tuple[int, int] | None = None  # (start, end) in out of the last closed block

    def emit(self, chunk: str, block: bool = False) -> None:
        self.out.append(chunk)
        self.block.append(block)

    def handle_starttag(self, tag: str, attrs) -> None:
        if self.done:
            return
        if tag in _VOID:
            if not self.skip_depth:
                self.emit(self.get_starttag_text() or f"<{tag}>", tag in _BLOCKS)
            return
        if self.skip_depth:
            self.stack.append([tag, len(self.out), False])
            return
        values = {name: value or "" for name, value in attrs}
        if values.get("id") in CUT_IDS:
            self.cut(len(self.out))
            return
        cite = tag == "blockquote" and values.get("type", "").lower() == "cite"
        if cite or QUOTE_CLASSES.intersection(values.get("class", "").split()):
            if cite:
                self.drop_attribution()
            self.stack.append([tag, len(self.out), False])
            self.skip_depth = len(self.stack)
            self.changed = True
            return
        self.stack.append([tag, len(self.out), True])
        self.emit(self.get_starttag_text() or f"<{tag}>", tag in _BLOCKS)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.done or tag in _VOID:
            return
        match = next((i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i][0] == tag), None)
        if match is None:
            return  # a stray end tag: drop it rather than unbalance the output
        closing = self.stack[match:]
        del self.stack[match:]
        if self.skip_depth and len(self.stack) < self.skip_depth:
            self.skip_depth = 0  # the quote container closed (perhaps implicitly, by an end tag around it)
        elif self.skip_depth:
            return
        for name, _, emitted in reversed(closing):
            if emitted:
                self.emit(f"</{name}>", name in _BLOCKS)
        start = closing[0][1]
        if tag in _BLOCKS and closing[0][2]:
            self.last_closed = (start, len(self.out))
            if len(self.out) - start <= _MAX_BLOCK_CHUNKS and _HEADER_BLOCK.match(self.text(start)):
                self.cut(start)

    def handle_data(self, data: str) -> None:
        if not self.done and not self.skip_depth:
            self.emit(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def text(self, start: int, end: int | None = None) -> str:
        chunks = [chunk for chunk in self.out[start:end] if not chunk.startswith("<")]
        return " ".join(html_lib.unescape("".join(chunks)).split())

    def truncate(self, index: int) -> None:
        del self.out[index:]
        del self.block[index:]
        for entry in self.stack:
            if entry[1] >= index:
                entry[2] = False

    def drop_attribution(self) -> None:
        """Apple Mail and others put "On ... wrote:" just above the cited blockquote, outside it."""
        end = len(self.out)
        while end and (not self.out[end - 1].strip() or self.out[end - 1].lower().startswith("<br")):
            end -= 1
        if self.last_closed and self.last_closed[1] == end and _is_attribution(self.text(*self.last_closed)):
            self.truncate(self.last_closed[0])
            return
        start = end
        while start and not self.block[start - 1]:
            start -= 1
        if start < end and _is_attribution(self.text(start, end)):
            self.truncate(start)

    def cut(self, index: int) -> None:
        self.truncate(index)
        self.done = self.changed = True

    def result(self) -> str:
        closing = [f"</{name}>" for name, _, emitted in reversed(self.stack) if emitted]
        return _trim_end("".join(self.out) + "".join(closing))


_TOKEN = re.compile(r"<[^>]*>|[^<]+")
_INVISIBLE = re.compile(r"(?:\s|&nbsp;|&#160;|&#xa0;|\xa0)*", re.IGNORECASE)
_EMPTY_PAIR = re.compile(r"<([a-z][a-z0-9]*)\b[^>]*></\1>", re.IGNORECASE)


def _trim_end(html: str) -> str:
    """Drop what a cut leaves after the last visible thing: <br>s, rules, empty paragraphs and wrappers."""
    tokens = _TOKEN.findall(html)
    last = max(
        (
            i
            for i, t in enumerate(tokens)
            if t.lower().startswith("<img") or not (t.startswith("<") or _INVISIBLE.fullmatch(t))
        ),
        default=-1,
    )
    tail = [t for t in tokens[last + 1 :] if t.startswith("<") and not t.lower().startswith(("<br", "<hr"))]
    tail_html = "".join(tail)
    previous = None
    while previous != tail_html:
        previous, tail_html = tail_html, _EMPTY_PAIR.sub("", tail_html)
    return "".join(tokens[: last + 1]) + tail_html


def strip_quoted_html(html: str) -> str:
    """The new part of a reply's HTML: no Gmail/Yahoo quote, cited blockquote or Outlook reply header onwards.

    Written for parse.sanitize_html output (well-formed, quote markers kept) but safe on any HTML: stray end
    tags are dropped and unclosed ones closed. Returns the input unchanged when it finds nothing to remove or
    when nothing visible would be left."""
    if not html or not html.strip():
        return html or ""
    stripper = _QuoteStripper()
    try:
        stripper.feed(html)
        stripper.close()
    except Exception:  # HTMLParser is lenient; a surprise here must not lose the message
        return html
    if not stripper.changed:
        return html
    stripped = stripper.result()
    visible = "<img" in stripped.lower() or re.sub(r"<[^>]*>|&nbsp;|&#160;|\s", "", stripped)
    return stripped if visible else html
