"""A small but real IMAP4rev1 server for the poller's tests, on 127.0.0.1, speaking the protocol over a socket.

Enough for the poller: CAPABILITY, NOOP, LOGIN, SELECT, (UID) SEARCH, (UID) FETCH, (UID) STORE, EXPUNGE, CLOSE,
LOGOUT. Each account has folders of messages with UIDs and flags. It records every body fetch (`body_fetches`) and
can refuse to give chosen messages (`unreadable`), as a broken server or a corrupt message store would.
`rendezvous=n` makes the first n logins wait for one another, which proves they came in parallel.
"""

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Message:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Account:
    password: str
    folders: dict[str, list[Message]] = field(default_factory=dict)
    next_uid: int = 1

    def add(self, raw: bytes, *, folder: str = "INBOX", flags=()) -> int:
        uid = self.next_uid
        self.next_uid += 1
        self.folders.setdefault(folder, []).append(Message(uid, raw, set(flags)))
        return uid


_TOKEN = re.compile(rb'\s*(?:"((?:[^"\\]|\\.)*)"|(\()|(\))|([^\s()"]+))')
_SEARCH_KEYS = {
    "ALL": lambda m: True,
    "SEEN": lambda m: "\\Seen" in m.flags,
    "UNSEEN": lambda m: "\\Seen" not in m.flags,
    "FLAGGED": lambda m: "\\Flagged" in m.flags,
    "UNFLAGGED": lambda m: "\\Flagged" not in m.flags,
    "DELETED": lambda m: "\\Deleted" in m.flags,
    "UNDELETED": lambda m: "\\Deleted" not in m.flags,
}


def parse_arguments(text: bytes) -> list:
    """Atoms and quoted strings as str, parenthesised lists as Python lists."""
    stack: list[list] = [[]]
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if not found or found.end() == position:
            break
        position = found.end()
        quoted, opening, closing, atom = found.groups()
        if quoted is not None:
            stack[-1].append(re.sub(rb"\\(.)", rb"\1", quoted).decode())
        elif opening:
            stack.append([])
        elif closing:
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(atom.decode())
    return stack[0]


def _uid_set(spec: str, messages: list[Message], *, by_uid: bool) -> list[tuple[int, Message]]:
    """(sequence number, message) pairs for an IMAP sequence set such as 1,3:5 or 2:*."""
    keys = [m.uid if by_uid else n for n, m in enumerate(messages, 1)]
    top = max(keys, default=0)
    wanted: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition(":")
        low_n = top if low == "*" else int(low)
        high_n = low_n if not high else (top if high == "*" else int(high))
        wanted.update(range(min(low_n, high_n), max(low_n, high_n) + 1))
    return [(n, m) for n, m in enumerate(messages, 1) if (m.uid if by_uid else n) in wanted]


class ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, rendezvous: int = 0):
        self.accounts: dict[str, Account] = {}
        self.body_fetches: list[tuple[str, int]] = []
        self.unreadable: set[tuple[str, int]] = set()
        self.lock = threading.Lock()
        self.rendezvous = threading.Barrier(rendezvous, timeout=5) if rendezvous else None
        super().__init__(("127.0.0.1", 0), _Session)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def account(self, user: str, password: str = "secret") -> Account:
        return self.accounts.setdefault(user, Account(password))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Session(socketserver.StreamRequestHandler):
    server: ImapServer

    def setup(self):
        super().setup()
        self.user: str | None = None
        self.folder: list[Message] | None = None

    def send(self, line: bytes | str) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self):
        self.send("* OK [CAPABILITY IMAP4rev1] test server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            command, _, arguments = rest.partition(b" ")
            name = command.decode().upper()
            tag = tag.decode()
            if name == "UID":
                command, _, arguments = arguments.partition(b" ")
                name = "UID " + command.decode().upper()
            handler = getattr(self, "do_" + name.replace(" ", "_"), None)
            if handler is None:
                self.send(f"{tag} BAD unknown command {name}")
                continue
            try:
                with self.server.lock:
                    reply = handler(parse_arguments(arguments))
            except Exception as error:  # a test server: say what went wrong, in the protocol
                reply = f"BAD {type(error).__name__}: {error}"
            self.send(f"{tag} {reply}")
            if name == "LOGOUT":
                return

    def do_CAPABILITY(self, args):
        self.send("* CAPABILITY IMAP4rev1")
        return "OK CAPABILITY completed"

    def do_NOOP(self, args):
        return "OK NOOP completed"

    def do_LOGOUT(self, args):
        self.send("* BYE logging out")
        return "OK LOGOUT completed"

    def do_LOGIN(self, args):
        user, password = args
        account = self.server.accounts.get(user)
        if account is None or account.password != password:
            return "NO [AUTHENTICATIONFAILED] invalid credentials"
        if self.server.rendezvous is not None:
            self.server.lock.release()  # wait for the other logins without holding up the server
            try:
                self.server.rendezvous.wait()
            finally:
                self.server.lock.acquire()
        self.user = user
        return "OK LOGIN completed"

    def do_SELECT(self, args):
        if self.user is None:
            return "NO not logged in"
        folders = self.server.accounts[self.user].folders
        if args[0] not in folders:
            return "NO [NONEXISTENT] no such folder"
        self.folder = folders[args[0]]
        self.send(f"* {len(self.folder)} EXISTS")
        self.send("* 0 RECENT")
        self.send(r"* FLAGS (\Seen \Flagged \Deleted \Answered \Draft)")
        self.send(r"* OK [PERMANENTFLAGS (\Seen \Flagged \Deleted \Answered \Draft)] flags")
        self.send("* OK [UIDVALIDITY 1] UIDs valid")
        self.send(f"* OK [UIDNEXT {self.server.accounts[self.user].next_uid}] next UID")
        return "OK [READ-WRITE] SELECT completed"

    def do_CLOSE(self, args):
        self._expunge(announce=False)
        self.folder = None
        return "OK CLOSE completed"

    def do_EXPUNGE(self, args):
        if self.folder is None:
            return "NO no folder selected"
        self._expunge(announce=True)
        return "OK EXPUNGE completed"

    def _expunge(self, *, announce: bool) -> None:
        for number in range(len(self.folder), 0, -1):
            if "\\Deleted" in self.folder[number - 1].flags:
                del self.folder[number - 1]
                if announce:
                    self.send(f"* {number} EXPUNGE")

    def do_SEARCH(self, args, *, by_uid=False):
        if self.folder is None:
            return "NO no folder selected"
        tests = [_SEARCH_KEYS[key.upper()] for key in args]
        found = [m.uid if by_uid else n for n, m in enumerate(self.folder, 1) if all(t(m) for t in tests)]
        self.send(" ".join(["* SEARCH", *map(str, found)]))
        return f"OK {'UID ' if by_uid else ''}SEARCH completed"

    def do_UID_SEARCH(self, args):
        return self.do_SEARCH(args, by_uid=True)

    def do_FETCH(self, args, *, by_uid=False):
        if self.folder is None:
            return "NO no folder selected"
        spec, items = args
        items = [item.upper() for item in (items if isinstance(items, list) else [items])]
        if by_uid and "UID" not in items:
            items.insert(0, "UID")
        selected = _uid_set(spec, self.folder, by_uid=by_uid)
        wants_body = any(item in ("BODY.PEEK[]", "BODY[]", "RFC822") for item in items)
        if wants_body and any((self.user, message.uid) in self.server.unreadable for _, message in selected):
            return "NO [SERVERBUG] cannot read this message"
        for number, message in selected:
            parts: list[bytes] = []
            for item in items:
                if item == "UID":
                    parts.append(f"UID {message.uid}".encode())
                elif item == "FLAGS":
                    parts.append(f"FLAGS ({' '.join(sorted(message.flags))})".encode())
                elif item == "RFC822.SIZE":
                    parts.append(f"RFC822.SIZE {len(message.raw)}".encode())
                elif item in ("BODY.PEEK[]", "BODY[]", "RFC822"):
                    self.server.body_fetches.append((self.user, message.uid))
                    if item != "BODY.PEEK[]":
                        message.flags.add("\\Seen")
                    label = "RFC822" if item == "RFC822" else "BODY[]"
                    parts.append(f"{label} {{{len(message.raw)}}}\r\n".encode() + message.raw)
                else:
                    return f"BAD fetch item {item} not supported here"
            self.send(f"* {number} FETCH (".encode() + b" ".join(parts) + b")")
        return f"OK {'UID ' if by_uid else ''}FETCH completed"

    def do_UID_FETCH(self, args):
        return self.do_FETCH(args, by_uid=True)

    def do_STORE(self, args, *, by_uid=False):
        if self.folder is None:
            return "NO no folder selected"
        spec, action, flags = args
        flags = set(flags if isinstance(flags, list) else [flags])
        action = action.upper()
        for number, message in _uid_set(spec, self.folder, by_uid=by_uid):
            if action.startswith("+FLAGS"):
                message.flags |= flags
            elif action.startswith("-FLAGS"):
                message.flags -= flags
            elif action.startswith("FLAGS"):
                message.flags = set(flags)
            else:
                return f"BAD store action {action} not supported"
            if not action.endswith(".SILENT"):
                uid = f"UID {message.uid} " if by_uid else ""
                self.send(f"* {number} FETCH ({uid}FLAGS ({' '.join(sorted(message.flags))}))")
        return f"OK {'UID ' if by_uid else ''}STORE completed"

    def do_UID_STORE(self, args):
        return self.do_STORE(args, by_uid=True)
