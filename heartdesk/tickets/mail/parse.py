"""One raw RFC 5322 message in, one `ParsedMail` out: pure (stdlib email, nh3, charset_normalizer; no Django).

Mail in the wild breaks every rule a standard allows and many it does not, and a help desk must not lose a
customer's message because their mailer mislabelled a charset. So every piece is read defensively: a bad part is
skipped, a bad charset is guessed, a bad header reads as empty, and only input with nothing usable in it (no mail
headers at all, binary garbage) raises `MalformedMail`.

Decisions the callers rely on:

* Text fields hold no NUL (PostgreSQL text cannot) and use "\\n" line ends.
* `message_id` is never empty: without a Message-ID header it is ``sha256-<hex of the raw bytes>@heartdesk.invalid``,
  so a redelivery of the same bytes de-duplicates and ``.invalid`` (RFC 2606) can never clash with a real id.
* HTML is sanitised with nh3. Images keep ``cid:`` (the caller rewrites them to stored attachments), ``https:`` and
  inline ``data:image/{png,jpeg,gif,webp}`` sources; ``http:`` sources are dropped, since they are mostly tracking
  pixels and would be mixed content on our https pages (a CSP still governs what the browser fetches). Links may be
  http(s), mailto or tel, get ``rel="noopener noreferrer nofollow"``, and relative URLs are dropped: they would
  resolve against our own site. Style attributes keep only presentational properties (no position, no url()).
* `auto_submitted` says "no person wrote this, do not answer it automatically"; `auto_reason` names the rule as
  ``"<kind>: <detail>"`` with kind one of ``loop``, ``report``, ``bounce``, ``auto-reply``, ``bulk``. Bulk includes
  List-Id/List-Unsubscribe, which mail relayed by a mailing-list address (a Google Group as the support address)
  also carries, so callers should treat ``bulk`` as "do not acknowledge", not "drop".
* ``X-Auto-Response-Suppress`` is a request from the sender ("do not auto-answer me"), not a mark of automation:
  Exchange and many human-sent Outlook messages carry it, so alone it sets only `suppress_auto_reply`. It marks a
  message auto-submitted only together with an auto-reply subject ("Automatic reply:"), which is how old Exchange
  out-of-office replies without Auto-Submitted are told apart.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import functools
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import unquote, unquote_to_bytes

import nh3
from charset_normalizer import from_bytes

from heartdesk.tickets.mail.quotes import CUT_IDS, QUOTE_CLASSES

__all__ = [
    "MalformedMail",
    "ParsedAttachment",
    "ParsedMail",
    "decode_header",
    "decode_text",
    "html_to_text",
    "parse_message",
    "safe_filename",
    "sanitize_html",
    "strip_subject_prefixes",
    "ticket_reference",
]


@dataclass
class ParsedAttachment:
    filename: str  # safe: one path component, no control or bidi characters, unique within the message, ≤ 200 chars
    content_type: str
    content: bytes
    content_id: str  # without <>, "" if none
    inline: bool  # an image that the HTML shows through cid:


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    reply_to: str
    to: list[str]
    cc: list[str]
    date: datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment]
    auto_submitted: bool
    auto_reason: str
    loop_marker: str
    # The sender asked not to be answered automatically (auto_submitted, or X-Auto-Response-Suppress: All/OOF/
    # AutoReply); acknowledgements should check this rather than auto_submitted.
    suppress_auto_reply: bool = False


class MalformedMail(ValueError):
    """Nothing usable could be read; the message says what is wrong, for the sender's bounce and our log."""


# --- the whole message -------------------------------------------------------------------------------------

# compat32 keeps header values as plain strings: policy.default builds a header object on every access (a
# 5 KB multipart took 20 ms, mostly re-parsing Content-Type) and raises on some broken values. We decode
# headers and MIME parameters ourselves instead (decode_header, _header_params).
_PARSER = BytesParser(policy=policy.compat32)
# A message has at least one of these; a body alone ("Note: the printer is down") has none of them.
_MAIL_HEADERS = frozenset(
    {
        "from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
        "reply-to", "mime-version", "content-type", "received", "return-path", "delivered-to", "x-original-to",
    }
)  # fmt: skip
_MAX_DEPTH = 40  # MIME nesting; real mail stays under 10, deeper is an attack on recursion


def parse_message(raw: bytes) -> ParsedMail:
    """Read everything a ticket needs from one message; raises only `MalformedMail`."""
    raw = bytes(raw)
    if not raw.strip():
        raise MalformedMail("empty message: no bytes to read")
    body_source = raw.lstrip(b"\r\n")  # some gateways put a blank line before the headers
    try:
        msg = _PARSER.parsebytes(body_source)
    except Exception:  # recursion bombs and parser bugs: keep the headers, lose the body
        try:
            msg = _PARSER.parsebytes(body_source, headersonly=True)
        except Exception as exc:
            raise MalformedMail(f"unreadable message: {type(exc).__name__}") from None
    headers = _raw_headers(msg)
    if not headers.keys() & _MAIL_HEADERS:
        raise MalformedMail("no mail headers: none of From, To, Subject, Date or Message-ID at the start")

    from_pairs = _addresses(headers.get("from", []))
    from_name, from_addr_raw = from_pairs[0] if from_pairs else ("", "")
    if not from_pairs and headers.get("from"):
        from_addr_raw = _bare_address(headers["from"][0])
    subject = _fold(decode_header(_first(headers, "subject")))

    found = _Found()
    with contextlib.suppress(Exception):  # _walk skips bad parts itself; this guards what is left
        _walk(msg, found, 0, False)
    html = sanitize_html("".join(found.htmls)) if found.htmls else ""
    text = "\n\n".join(t for t in found.texts if t.strip())
    if not text.strip() and html:
        text = html_to_text(html)
    attachments = _attachments(found.attachments, _cid_references(html))

    top = _mime(msg)
    auto, reason, suppress = _automation(headers, top, from_addr_raw, subject)
    return ParsedMail(
        message_id=_message_id(_first(headers, "message-id")) or _synthetic_id(raw),
        in_reply_to=_ids(_first(headers, "in-reply-to")),
        references=_ids(" ".join(headers.get("references", []))),
        subject=subject,
        from_address=_valid_address(from_addr_raw),
        from_name=_fold(decode_header(from_name)),
        reply_to=next(iter(_address_list(headers.get("reply-to", []))), ""),
        to=_address_list(headers.get("to", [])),
        cc=_address_list(headers.get("cc", [])),
        date=_date(_first(headers, "date")),
        text=_clean_text(text),
        html=html,
        attachments=attachments,
        auto_submitted=auto,
        auto_reason=reason,
        loop_marker=_fold(_first(headers, "x-heartdesk-loop")),
        suppress_auto_reply=suppress,
    )


def _synthetic_id(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@heartdesk.invalid"


# --- headers ----------------------------------------------------------------------------------------------

_UNFOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Header values as sent: unfolded, with 8-bit bytes as surrogate escapes (decode_header reads them)."""
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        if isinstance(value, str):
            headers.setdefault(name.strip().lower(), []).append(_UNFOLD.sub("", value).strip())
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _fold(value: str) -> str:
    return _WHITESPACE.sub(" ", value).strip()


_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?([bBqQ])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")


def decode_header(value: str) -> str:
    """RFC 2047 encoded-words, raw 8-bit text and everything in between, to text.

    Lenient where mailers are broken: encoded-words glued to other text, spaces inside Q words, bad base64
    padding, unknown charsets (guessed), and multibyte characters split across two adjacent words (Outlook does
    this, so adjacent words in one charset are joined as bytes before decoding)."""
    if not value:
        return ""
    value = _unescape_8bit(value)
    if "=?" not in value:
        return _CONTROL.sub(" ", value)
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded-words not yet decoded: (charset, bytes)
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if pending and not _BETWEEN_WORDS.fullmatch(gap):
            out.append(_decode_words(pending))
            pending = []
        if not pending:
            out.append(gap)
        charset, encoding, payload = match.groups()
        data = _decode_word_payload(encoding, payload)
        if data is None:
            out.append(_decode_words(pending) if pending else "")
            pending = []
            out.append(match.group())
        else:
            pending.append((charset.split("*", 1)[0].lower(), data))  # RFC 2231 language suffix: utf-8*en
        pos = match.end()
    if pending:
        out.append(_decode_words(pending))
    out.append(value[pos:])
    return _CONTROL.sub(" ", "".join(out))


def _decode_word_payload(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            return _b64decode(payload)
        return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def _decode_words(words: list[tuple[str, bytes]]) -> str:
    out: list[str] = []
    charset, data = words[0][0], b""
    for word_charset, word_data in words:
        if word_charset != charset:
            out.append(decode_text(data, charset))
            charset, data = word_charset, b""
        data += word_data
    out.append(decode_text(data, charset))
    return "".join(out)


def _b64decode(payload: str) -> bytes:
    """Base64 that forgives missing padding, stray characters and line breaks."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]  # one leftover character cannot encode a byte
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


_SURROGATE = re.compile("[\udc80-\udcff]")


def _unescape_8bit(value: str) -> str:
    """Raw 8-bit header bytes (the parser keeps them as surrogate escapes) decoded as UTF-8, else guessed."""
    if not _SURROGATE.search(value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), None)


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    return [(name, addr) for name, addr in pairs if name or addr]


def _address_list(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for _, addr in _addresses(values):
        if valid := _valid_address(addr):
            seen.setdefault(valid, None)
    return list(seen)


_ADDR_SPEC = re.compile(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+")


def _valid_address(addr: str) -> str:
    addr = _unescape_8bit(addr).strip().strip("<>").lower()
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() or ch in "<>()," for ch in addr):
        return ""
    return addr


def _bare_address(value: str) -> str:
    """The first thing that looks like an address, when the header is too broken for the address parser."""
    match = _ADDR_SPEC.search(value)
    return match.group() if match else ""


_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def _message_id(value: str) -> str:
    found = _ids(value) or _unescape_8bit(value).split()[:1]
    return found[0].strip("<>") if found else ""


def _ids(value: str) -> list[str]:
    """Message-ids from In-Reply-To/References: <...> tokens, or bare tokens with an @ from broken mailers."""
    value = _unescape_8bit(value)
    ids = _MESSAGE_ID.findall(value) or [t.strip("<>,;") for t in value.split() if "@" in t]
    return list(dict.fromkeys(i for i in ids if i))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed  # "-0000": UTC, origin unknown


# --- automation -------------------------------------------------------------------------------------------

_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply")
_NEGATIVE = frozenset({"", "no", "false", "0", "none"})
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_SUPPRESS_REPLIES = frozenset({"all", "oof", "autoreply"})
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)? response|auto|out of (the )?office|autosvar|automatisk svar|"
    r"automatisch antwoord|automatische antwort|abwesenheitsnotiz|r[ée]ponse automatique|absence|"
    r"respuesta autom[áa]tica|risposta automatica|resposta autom[áa]tica|fuori sede)\s*:",
    re.IGNORECASE,
)


def _automation(headers, top: _Mime, from_addr: str, subject: str) -> tuple[bool, str, bool]:
    """(auto_submitted, auto_reason, suppress_auto_reply); the most specific rule wins."""
    reason = _auto_reason(headers, top, from_addr, subject)
    suppress = _first(headers, "x-auto-response-suppress").lower().replace(",", " ").split()
    return bool(reason), reason, bool(reason) or bool(_SUPPRESS_REPLIES.intersection(suppress))


def _auto_reason(headers, top: _Mime, from_addr: str, subject: str) -> str:
    def value(name: str) -> str:
        return _fold(_first(headers, name)).lower()

    if "x-heartdesk-loop" in headers:
        return "loop: X-Heartdesk-Loop"
    if top.content_type == "multipart/report":
        kind = top.params.get("report-type", "").lower() or "unknown"
        return f"{'bounce' if kind == 'delivery-status' else 'report'}: multipart/report; report-type={kind}"
    if "return-path" in headers and value("return-path").strip("<> ") == "":
        return "bounce: Return-Path <>"
    local = from_addr.rpartition("@")[0] if "@" in from_addr else from_addr
    if local.strip().lower() in _BOUNCE_SENDERS:
        return f"bounce: From {from_addr}"
    auto_submitted = value("auto-submitted").split(";")[0].strip()
    if auto_submitted not in _NEGATIVE:
        return f"auto-reply: Auto-Submitted: {auto_submitted}"
    for name in _AUTO_HEADERS:
        if name in headers and value(name) not in _NEGATIVE - {""}:
            return f"auto-reply: {_header_label(name)}"
    precedence = value("precedence") or value("x-precedence")
    if precedence == "auto_reply":
        return "auto-reply: Precedence: auto_reply"
    if precedence in _BULK_PRECEDENCE:
        return f"bulk: Precedence: {precedence}"
    suppress = value("x-auto-response-suppress").replace(",", " ").split()
    if _SUPPRESS_REPLIES.intersection(suppress) and _AUTO_REPLY_SUBJECT.match(subject):
        return "auto-reply: X-Auto-Response-Suppress with an auto-reply subject"
    for name in ("list-id", "list-unsubscribe"):
        if name in headers:
            return f"bulk: {_header_label(name)}"
    return ""


def _header_label(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


# --- subjects ---------------------------------------------------------------------------------------------

_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|r[ée]f?|tr|antw|odp|rif|enc|回复|答复|回覆|答覆|转发|轉寄|転送|返信)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)


def strip_subject_prefixes(subject: str) -> str:
    """The subject without reply and forward prefixes, however many and in whatever language.

    Removes Re, Fwd, Fw, AW, WG (German), SV (Nordic), VS (Finnish), Ré/Réf/TR (French), Antw (Dutch), Odp
    (Polish), RIF (Italian), Enc (Portuguese), 回复/答复/回覆/答覆/转发/轉寄 (Chinese) and 転送/返信 (Japanese),
    in any case, with counters such as "Re[2]:" and full-width colons."""
    subject = subject or ""
    while True:
        stripped = _REPLY_PREFIX.sub("", subject, count=1)
        if stripped == subject:
            return _fold(subject)
        subject = stripped


@functools.lru_cache(maxsize=16)
def _reference_pattern(prefix: str) -> re.Pattern[str]:
    named = rf"{re.escape(prefix)}\s*[-#:]?\s*#?" if prefix else "#"
    return re.compile(rf"\[\s*(?:{named}|#)\s*(\d{{1,18}})\s*\]", re.IGNORECASE)


def ticket_reference(subject: str, prefix: str = "HD") -> int | None:
    """The ticket number a subject refers to, or None; the leftmost reference wins.

    Accepted forms, in square brackets with optional spaces inside, prefix in any case: ``[HD-42]``,
    ``[HD#42]``, ``[HD #42]``, ``[HD 42]``, ``[HD:42]``, ``[HD42]`` and the bare ``[#42]``. Only bracketed
    forms count, so a customer's "order HD-42" or "#42" in prose never threads a mail into the wrong ticket."""
    match = _reference_pattern(prefix).search(subject or "")
    if not match:
        return None
    number = int(match.group(1))
    return number if 0 < number < 2**63 else None


# --- MIME tree --------------------------------------------------------------------------------------------


@dataclass
class _RawAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str


@dataclass
class _Found:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[_RawAttachment] = field(default_factory=list)


_EMBEDDED_MESSAGES = frozenset({"message/rfc822", "message/global"})
# Alternatives to the text and HTML bodies that nobody wants as a file (Apple Watch, Gmail AMP, enriched text).
_ALTERNATIVE_NOISE = frozenset({"text/watch-html", "text/x-amp-html", "text/enriched", "text/richtext"})


@dataclass
class _Mime:
    """A part's MIME headers, parsed once: the parser's own accessors re-parse on every call."""

    content_type: str
    params: dict[str, str]
    disposition: str
    filename: str
    content_id: str


def _mime(part: Message) -> _Mime:
    headers = _raw_headers(part)
    content_type, params = _header_params(_first(headers, "content-type"))
    if content_type.count("/") != 1 or not all(content_type.split("/")):
        content_type = part.get_default_type()  # text/plain; message/rfc822 inside multipart/digest
    disposition, disposition_params = _header_params(_first(headers, "content-disposition"))
    filename = disposition_params.get("filename") or params.get("name") or ""
    return _Mime(
        content_type=content_type,
        params=params,
        disposition=disposition,
        filename=decode_header(filename) if "=?" in filename else filename,
        content_id=_fold(_unescape_8bit(_first(headers, "content-id"))).strip("<>").strip(),
    )


_PARAMETER = re.compile(r""";\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|"[^;]*|[^;]*)""")
_RFC2231_NAME = re.compile(r"^([^*]+)(?:\*(\d+))?(\*)?$")


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """("main/value", {param: text}) from a Content-Type or Content-Disposition value, RFC 2231 continuations
    and charsets included (``filename*0*=UTF-8''%C3%85...; filename*1*=...``)."""
    value = _unescape_8bit(value)
    main, _, rest = value.partition(";")
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, str, bool]]] = {}
    for match in _PARAMETER.finditer(";" + rest):
        name, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1] if len(raw) > 1 and raw.endswith('"') else raw[1:])
        parts = _RFC2231_NAME.match(name)
        if parts and (parts.group(2) is not None or parts.group(3)):
            extended.setdefault(parts.group(1), []).append((int(parts.group(2) or 0), raw, bool(parts.group(3))))
        else:
            plain.setdefault(name, raw)
    for name, segments in extended.items():
        plain[name] = _rfc2231_value(sorted(segments, key=lambda segment: segment[0]))
    return main.strip().strip("\"'").lower(), plain


def _rfc2231_value(segments: list[tuple[int, str, bool]]) -> str:
    charset = ""
    data = b""
    for index, (_, text, encoded) in enumerate(segments):
        if encoded and index == 0 and text.count("'") >= 2:
            charset, _, text = text.split("'", 2)  # charset'language'value
        data += unquote_to_bytes(text) if encoded else text.encode("utf-8", "surrogateescape")
    return decode_text(data, charset or "utf-8")


def _walk(part: Message, found: _Found, depth: int, in_alternative: bool) -> None:
    if depth > _MAX_DEPTH:
        return
    mime = _mime(part)
    content_type = mime.content_type
    if content_type.startswith("multipart/") and part.is_multipart():
        for child in part.get_payload():
            try:
                _walk(child, found, depth + 1, content_type == "multipart/alternative")
            except Exception:
                continue  # a broken part must not cost the customer the rest of the message
        return
    if content_type.startswith("message/") and (part.is_multipart() or content_type in _EMBEDDED_MESSAGES):
        found.attachments.append(_embedded_message(part, mime))
        return
    if content_type.startswith("multipart/"):  # a multipart without a usable boundary: its text is all we have
        content_type = "text/plain"
    if content_type in ("text/plain", "text/html") and mime.disposition != "attachment" and not mime.filename:
        _body(part, content_type, mime, found)
        return
    if in_alternative and content_type in _ALTERNATIVE_NOISE and not mime.filename:
        return
    content = part.get_payload(decode=True)
    found.attachments.append(
        _RawAttachment(
            filename=mime.filename,
            content_type=content_type,
            content=content if isinstance(content, bytes) else b"",
            content_id=mime.content_id,
        )
    )


def _body(part: Message, content_type: str, mime: _Mime, found: _Found) -> None:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return
    charset = mime.params.get("charset")
    if content_type == "text/html":
        found.htmls.append(decode_text(data, charset or _meta_charset(data)))
        return
    text = _clean_text(decode_text(data, charset))
    if mime.params.get("format", "").lower() == "flowed":
        text = _unflow(text, delsp=mime.params.get("delsp", "").lower() == "yes")
    found.texts.append(text)


# Regenerating an embedded message must not re-fold or re-encode its headers: it is evidence, kept as sent.
_EML_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=0)


def _embedded_message(part: Message, mime: _Mime) -> _RawAttachment:
    """A forwarded message (or a bounce's delivery status) kept whole, as the .eml a mail client opens."""
    content = b""
    try:
        generated = part.as_bytes(policy=_EML_POLICY)
        if generated.startswith(b"\r\n"):  # no headers of its own (multipart/digest)
            content = generated[2:]
        else:
            content = generated.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in generated else b""
    except Exception:
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            content = str(payload[0]).encode("utf-8", "surrogateescape")
    filename = mime.filename
    if not filename and mime.content_type in _EMBEDDED_MESSAGES:
        inner = part.get_payload()
        inner_subject = _first(_raw_headers(inner[0]), "subject") if isinstance(inner, list) and inner else ""
        subject = _fold(decode_header(inner_subject))
        filename = f"{subject}.eml" if subject else ""
    return _RawAttachment(filename, mime.content_type, content, mime.content_id)


# --- attachments ------------------------------------------------------------------------------------------

_MIMETYPES = mimetypes.MimeTypes()  # built-in table only: the host's /etc/mime.types must not change names
_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "text/calendar": ".ics",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "application/octet-stream": ".bin",
}
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_MAX_NAME = 200
_MAX_EXTENSION = 16


def _attachments(raw: list[_RawAttachment], cids: set[str]) -> list[ParsedAttachment]:
    taken: set[str] = set()
    result = []
    for index, item in enumerate(raw, start=1):
        content_type = item.content_type
        if content_type == "application/octet-stream" and item.filename:
            content_type = _MIMETYPES.guess_type(item.filename, strict=False)[0] or content_type
        name = _unique(safe_filename(item.filename, content_type, index), taken)
        result.append(
            ParsedAttachment(
                filename=name,
                content_type=content_type,
                content=item.content,
                content_id=item.content_id,
                inline=bool(item.content_id) and content_type.startswith("image/") and item.content_id.lower() in cids,
            )
        )
    return result


def safe_filename(name: str, content_type: str, index: int) -> str:
    """A name safe to show and to save: the last path component, without control, bidi (U+202E turns
    "invoice\u202efdp.exe" into "invoiceexe.pdf" on screen) or Windows-reserved characters, no leading dots,
    at most 200 characters with the extension kept; ``attachment-<index><ext>`` when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip().lstrip(".").rstrip(". ")
    if not name:
        if content_type in ("application/ms-tnef", "application/vnd.ms-tnef"):
            return "winmail.dat"
        return f"attachment-{index}{_extension(content_type)}"
    return _truncate(name)


def _extension(content_type: str) -> str:
    if content_type in _EXTENSIONS:
        return _EXTENSIONS[content_type]
    guessed = _MIMETYPES.guess_extension(content_type, strict=False)
    return guessed or (".txt" if content_type.startswith(("text/", "message/")) else ".bin")


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) + 1 > _MAX_EXTENSION or not ext.isalnum():
        return name, ""
    return stem, "." + ext


def _truncate(name: str) -> str:
    if len(name) <= _MAX_NAME:
        return name
    stem, ext = _split_extension(name)
    return stem[: _MAX_NAME - len(ext)].rstrip(". ") + ext


def _unique(name: str, taken: set[str]) -> str:
    """Two attachments both called image001.png would overwrite each other in a download folder."""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        stem, ext = _split_extension(name)
        suffix = f"-{number}{ext}"
        candidate = stem[: _MAX_NAME - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


_CID_REFERENCE = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


def _cid_references(html: str) -> set[str]:
    return {unquote(ref).strip("<>").lower() for ref in _CID_REFERENCE.findall(html)}


# --- charsets ---------------------------------------------------------------------------------------------

_CP50220 = "cp50220"  # Microsoft's ISO-2022-JP with the NEC and IBM extensions (①, ㈱) that Outlook sends

# Labels Python does not know, and labels whose real-world meaning is a superset of what Python's codec of that
# name decodes (WHATWG does the same): mailers say gb2312 and send gbk, say iso-8859-1 and send windows-1252.
_CHARSET_ALIASES: dict[str, tuple[str, ...]] = {
    "iso-8859-8-i": ("iso8859-8",),
    "iso-8859-8-e": ("iso8859-8",),
    "iso-8859-6-i": ("iso8859-6",),
    "iso-8859-6-e": ("iso8859-6",),
    "unicode-1-1-utf-7": ("utf-7",),
    "x-mac-roman": ("mac-roman",),
    "x-mac-cyrillic": ("mac-cyrillic",),
    "x-mac-greek": ("mac-greek",),
    "x-mac-ce": ("mac-latin2",),
    "x-mac-turkish": ("mac-turkish",),
    "x-mac-icelandic": ("mac-iceland",),
    "windows-874": ("cp874",),
    "ks_c_5601-1987": ("cp949",),
    "ks_c_5601": ("cp949",),
    "x-sjis": ("cp932",),
    "windows-31j": ("cp932",),
}
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "ascii": ("ascii",),
    "iso8859-1": ("cp1252", "iso8859-1"),
    "iso8859-9": ("cp1254", "iso8859-9"),
    "iso8859-11": ("cp874", "iso8859-11"),
    "tis-620": ("cp874", "tis-620"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc_kr": ("euc_kr", "cp949"),  # euc_kr knows KS X 1001's 8-byte syllables (곾), cp949 the rest
    "shift_jis": ("shift_jis", "cp932", "shift_jis_2004"),  # JIS's 〜 (as browsers read it), then Windows's
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", _CP50220),
    "big5": ("cp950", "big5hkscs"),
}


@functools.lru_cache(maxsize=256)
def _codecs_for(label: str | None) -> tuple[str, ...]:
    """Python codecs to try for a declared charset, best first; () when the label means nothing to us."""
    if not label:
        return ()
    label = label.strip().strip("\"'").lower()
    if label in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[label]
    for candidate in (
        label,
        re.sub(r"^x-", "", label),
        re.sub(r"^(?:x-)?(cp|ibm|windows|ms)[-_ ]?(\d+)$", r"cp\2", label),
    ):
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):
            continue
        if not getattr(info, "_is_text_encoding", True):
            return ()  # "base64", "rot13": codecs, but not charsets
        return _SUPERSETS.get(info.name, (info.name,))
    return ()


@functools.lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    if codec.startswith("utf"):
        return False
    try:
        return len(bytes(range(256)).decode(codec, errors="replace")) == 256
    except LookupError:
        return False


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes in a declared (possibly wrong, possibly unknown) charset to text; never raises.

    Trusts the label when the bytes decode under it, with two exceptions seen daily in support mail: "us-ascii"
    (or no label) on 8-bit bytes means the sender did not know, and a single-byte label (iso-8859-1,
    windows-1252, ...) on bytes that are valid multibyte UTF-8 means UTF-8 (no real Latin-1 text reads as UTF-8:
    it would need pairs like "Ã©"). Otherwise: UTF-8, then charset_normalizer for other scripts, then windows-1252."""
    if not data:
        return ""
    candidates = _codecs_for(charset)
    if not candidates or candidates == ("ascii",):
        return _guess(data, None)
    ascii_only = data.isascii()
    for codec in candidates:
        if not ascii_only and _single_byte(codec) and _is_utf8(data):
            return data.decode("utf-8")
        if codec == _CP50220:
            text = _cp50220(data)
            if text is not None:
                return text
            continue
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    if ascii_only:  # a 7-bit stateful charset (ISO-2022, UTF-7) with broken escapes: keep what decodes
        return data.decode(candidates[0], errors="replace")
    return _guess(data, candidates[0])


_ISO2022_SHIFT = re.compile(rb"\x1b(\$[@B]|\([BJI])")


def _cp50220(data: bytes) -> str | None:
    """ISO-2022-JP read through cp932, which has the NEC row 13 and IBM characters Python's codecs lack."""
    out = bytearray()
    mode = b"(B"
    for index, chunk in enumerate(_ISO2022_SHIFT.split(data)):
        if index % 2:
            mode = chunk
        elif mode in (b"$@", b"$B"):
            if len(chunk) % 2:
                return None  # mailers shift back to ASCII before a line break, so pairs never straddle one
            for first, second in zip(chunk[::2], chunk[1::2], strict=True):
                lead = (first + 1) // 2 + 0x70
                lead += 0x40 if lead > 0x9F else 0
                trail = second + (0x1F + (second >= 0x60) if first % 2 else 0x7E)
                out += bytes((lead, trail)) if 0x81 <= lead <= 0xFC and 0x40 <= trail <= 0xFC else b"?"
        elif mode == b"(I":
            out += bytes(byte | 0x80 for byte in chunk)  # half-width katakana
        else:
            out += chunk
    try:
        return out.decode("cp932")
    except UnicodeDecodeError:
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess(data: bytes, declared: str | None) -> str:
    if data.isascii():
        return data.decode("ascii")
    if _is_utf8(data):
        return data.decode("utf-8")
    replaced = data.decode("utf-8", errors="replace")
    stray = replaced.count("\ufffd")
    if (len(replaced) - len(replaced.encode("ascii", errors="ignore")) - stray) >= 4 * stray:
        return replaced  # UTF-8 with a few broken bytes (a truncated line), not another charset
    # charset_normalizer cannot tell scripts apart on a few bytes ("Привет" in KOI8-R comes back as Big5), so
    # leave the Latin default only on enough evidence, and only for whole words in another script.
    sample = data[:65_536]
    matches = None
    if len(sample.translate(None, _ASCII_BYTES)) >= 8:
        try:
            matches = list(from_bytes(sample))
        except Exception:
            matches = []
        for match in matches:
            if _ascii_compatible(match.encoding) and not _single_byte_latin(match.encoding):
                text = _decode_or_none(data, match.encoding)
                if text is not None and _in_other_script(text[:20_000]) and _plausible(match.encoding, text[:20_000]):
                    return text
    if declared and declared != "utf-8":
        return data.decode(declared, errors="replace")
    if matches == []:
        return replaced  # no charset fits at all: binary noise, so show it as such
    # Western mail dominates, and charset_normalizer often ranks cp1250 or a DOS code page first for short
    # German or French text; windows-1252 reads those right and misreads only the rarer Latin scripts.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("iso8859-1")


def _decode_or_none(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_ASCII_BYTES = bytes(range(128))


@functools.lru_cache(maxsize=64)
def _ascii_compatible(codec: str) -> bool:
    printable = bytes(range(0x20, 0x7F))
    try:
        return printable.decode(codec) == printable.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


@functools.lru_cache(maxsize=64)
def _single_byte_latin(codec: str) -> bool:
    if not _single_byte(codec):
        return False
    letters = [ch for ch in bytes(range(0x80, 0x100)).decode(codec, errors="ignore") if ch.isalpha()]
    return sum(ord(ch) <= 0x24F for ch in letters) * 2 > len(letters)


_WORD = re.compile(r"\w{2,}")
_KOREAN_CODECS = ("cp949", "euc_kr", "johab", "iso2022_kr")
_CHINESE_CODECS = ("gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950")
_JAPANESE_CODECS = ("shift_jis", "shift_jis_2004", "shift_jisx0213", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213")


def _plausible(codec: str, text: str) -> bool:
    """The CJK codecs overlap so much that the same bytes read as Korean, Chinese or Japanese; each language
    has a tell: Korean is mostly Hangul and ends sentences with ASCII punctuation (Chinese read as Korean turns
    to rare syllables around the full-width "，" and "。" both codes share), Chinese has no Hangul or kana, and
    Japanese always has kana."""
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in text)
    kana = sum("\u3041" <= ch <= "\u30ff" for ch in text)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    name = codecs.lookup(codec).name
    if name in _KOREAN_CODECS:
        return hangul >= han + kana and not any(ch in "，。" for ch in text)
    if name in _CHINESE_CODECS:
        return not hangul and not kana
    if name in _JAPANESE_CODECS:
        return kana > 0 and not hangul
    return True


def _in_other_script(text: str) -> bool:
    """Whole words in a non-Latin script (Иван, 田中), not stray symbols inside Latin words (Mьller)."""
    whole = mixed = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        other = any(ch.isalpha() and ord(ch) > 0x24F for ch in word)
        latin = any(ch.isalpha() and ord(ch) <= 0x24F for ch in word)
        if other and not latin:
            whole += 1
        elif other:
            mixed += 1
    return whole > 0 and mixed * 4 <= whole


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").removeprefix("\ufeff")
    return text.rstrip().lstrip("\n")


def _unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed (Thunderbird, Apple Mail): soft line breaks joined back into paragraphs."""
    lines: list[str] = []
    paragraph: str | None = None
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        body = body[1:] if body.startswith(" ") else body  # space-stuffing
        flowed = body.endswith(" ") and body != "-- "
        if flowed and delsp:
            body = body[:-1]
        if paragraph is not None and depth == paragraph_depth:
            paragraph += body
        else:
            if paragraph is not None:
                lines.append(_quote_prefix(paragraph_depth) + paragraph)
            paragraph, paragraph_depth = body, depth
        if not flowed:
            lines.append(_quote_prefix(depth) + paragraph)
            paragraph = None
    if paragraph is not None:
        lines.append(_quote_prefix(paragraph_depth) + paragraph)
    return "\n".join(line.rstrip() for line in lines)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""


# --- HTML -------------------------------------------------------------------------------------------------

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
# Removed with their content: code, page furniture, and Outlook's <xml> islands, whose text would leak otherwise.
_DROPPED_WITH_CONTENT = {
    "script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "applet", "svg",
    "math", "xml", "select", "textarea",
}  # fmt: skip
_CELL = {"width", "height", "colspan", "rowspan", "valign", "bgcolor", "nowrap"}
_ATTRIBUTES = {
    "*": {"title", "dir", "lang", "align", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": _CELL,
    "th": _CELL,
    "tr": {"valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "li": {"value"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "line-height",
    "text-align", "text-decoration", "text-indent", "text-transform", "vertical-align", "white-space",
    "letter-spacing", "direction", "list-style-type", "border", "border-top", "border-right", "border-bottom",
    "border-left", "border-color", "border-style", "border-width", "border-collapse", "margin", "margin-top",
    "margin-right", "margin-bottom", "margin-left", "padding", "padding-top", "padding-right", "padding-bottom",
    "padding-left", "width", "max-width", "height",
}  # fmt: skip
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpe?g|gif|webp);base64,", re.IGNORECASE)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        value = value.strip()
        lowered = value.lower()
        if lowered.startswith(("cid:", "https:")) or _DATA_IMAGE.match(lowered):
            return value
        return None
    if attribute == "href" and value.strip().lower().startswith(("cid:", "data:")):
        return None
    if attribute == "style" and ("url(" in value.lower() or "expression(" in value.lower()):
        # Background images are tracking pixels too; keep the declarations around them.
        kept = [d for d in value.split(";") if "url(" not in d.lower() and "expression(" not in d.lower()]
        return ";".join(kept) or None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    link_rel="noopener noreferrer nofollow",
    url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
    url_relative="deny",
    # What quotes.strip_quoted_html looks for survives; no other class or id does.
    allowed_classes={tag: set(QUOTE_CLASSES) for tag in ("div", "blockquote", "span")},
    tag_attribute_values={"div": {"id": set(CUT_IDS)}, "blockquote": {"type": {"cite"}}},
    filter_style_properties=_STYLE_PROPERTIES,
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Mail HTML made safe to show inside our pages (policy in the module docstring); "" when nothing is left."""
    if not html:
        return ""
    cleaned = _CLEANER.clean(html.replace("\x00", ""))
    cleaned = _IMAGE_WITHOUT_SOURCE.sub("", cleaned.replace(' class=""', ""))  # what the policy emptied
    return cleaned.strip() if _has_content(cleaned) else ""


_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _has_content(html: str) -> bool:
    return "<img" in html or bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", html))


_BREAK_BEFORE_AND_AFTER = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "dl", "hr"}
_LINE_BLOCKS = {
    "div", "li", "tr", "dt", "dd", "address", "section", "article", "header", "footer", "center", "figure",
    "figcaption", "caption", "tbody", "thead", "tfoot", "blockquote",
}  # fmt: skip
_SKIPPED = _DROPPED_WITH_CONTENT


class _TextExtractor(HTMLParser):
    """HTML to the text a person would read; blockquotes become "> " lines so quotes.strip_quoted can drop them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.words: list[str] = []
        self.depth = 0  # blockquote nesting
        self.pre = 0
        self.skip = 0
        self.lists: list[int | None] = []  # None for <ul>, the next number for <ol>

    def flush(self, blank: bool = False) -> None:
        text = "".join(self.words)
        self.words = []
        if not self.pre:
            text = text.strip()
        if text:
            prefix = "> " * self.depth
            self.lines.extend(prefix + line if line.strip() else prefix.rstrip() for line in text.split("\n"))
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self.skip += 1
        elif tag == "br":
            if self.words:
                self.flush()
            else:
                self.lines.append("")
        elif tag in _BREAK_BEFORE_AND_AFTER or tag in _LINE_BLOCKS:
            self.flush(blank=tag in _BREAK_BEFORE_AND_AFTER)
            if tag == "blockquote":
                self.depth += 1
            elif tag == "pre":
                self.pre += 1
            elif tag in ("ul", "ol"):
                self.lists.append(None if tag == "ul" else 1)
            elif tag == "li":
                number = self.lists[-1] if self.lists else None
                self.words.append(f"{number}. " if number else "- ")
                if number:
                    self.lists[-1] = number + 1
        elif tag in ("td", "th") and self.words:
            self.words.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in _SKIPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in _BREAK_BEFORE_AND_AFTER or tag in _LINE_BLOCKS:
            self.flush(blank=tag in _BREAK_BEFORE_AND_AFTER)
            if tag == "blockquote":
                self.depth = max(0, self.depth - 1)
                self.flush(blank=True)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.words.append(data)
            return
        data = _WHITESPACE.sub(" ", data.replace("\xa0", " "))
        if data == " " and (not self.words or self.words[-1].endswith(" ")):
            return
        if self.words and self.words[-1].endswith(" "):
            data = data.lstrip(" ")
        self.words.append(data)


def html_to_text(html: str) -> str:
    """Readable text from HTML: block elements and <br> make line breaks, lists get "- ", quotes get "> "."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient; this only guards against surprises
        pass
    extractor.flush()
    text = "\n".join(line.rstrip() for line in extractor.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
