"""`make bench`, help desk part: 1,000,000 tickets, then queue/ticket pages, the API, the SLA sweep and inbound mail.

Run after bench/run.py (it reuses var/bench, its customers and its server set-up). Sizes: BENCH_TICKETS (1,000,000);
BENCH_REQUESTS requests per row (200); BENCH_MAIL messages (2,000) over 4 SMTP connections.
`python bench/tickets.py sweep` is the sweep step on its own (run in a separate process by the benchmark);
`python bench/tickets.py pages ["ticket page" "API create" …]` the page and API rows alone (those named), printed.
"""

import json
import os
import random
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    BIN,
    ENV,
    PORT,
    REQUESTS,
    ROOT,
    clients,
    heartdesk,
    measure,
    start_server,
    wait_for,
    write_block,
)

TICKETS = int(os.environ.get("BENCH_TICKETS", 1_000_000))
MAIL = int(os.environ.get("BENCH_MAIL", 2_000))
MAIL_CONNECTIONS = 4
MAIL_PORT = int(os.environ.get("BENCH_MAIL_PORT", 8766))
NEWLY_DUE = 2_000
TARGETS = {
    "queue page: mine": 50,
    "queue page: unassigned": 50,
    "queue page: at risk": 50,
    "queue page: breached": 50,
    "queue page: all open": 50,
    "queue page: all open, deep cursor": 50,
    "ticket page": 40,
    "API queue list (open)": 50,
    "API queue list (mine)": 50,
    "API create ticket": 30,
}


def shell(code: str) -> str:
    return heartdesk("shell", "-c", code, capture=True).strip().splitlines()[-1]


def pages(token: str, only: list[str] | None = None) -> list[dict]:
    """Every page and API row, or only those whose name contains one of `only` (e.g. "ticket page")."""
    sample = json.loads(
        shell(
            "import json, random; from heartdesk.tickets.models import Ticket; from heartdesk.customers.models import "
            "Contact; from heartdesk.core.pagination import _encode; r = random.Random(3); n = Ticket.objects.count();"
            "hi = Ticket.objects.order_by('-id').values_list('id', flat=True)[0];"
            "deep = Ticket.objects.filter(is_open=True).order_by('due_key', 'id')[min(50000, n // 20)];"
            "cmax = Contact.objects.order_by('-id').values_list('id', flat=True)[0];"
            "print(json.dumps({'tickets': [r.randint(hi - n + 1, hi) for _ in range(2000)], "
            "'contacts': [r.randint(1, cmax) for _ in range(2000)], "
            "'deep': _encode([deep.due_key, deep.id], False)}))"
        )
    )
    server = start_server()
    try:
        web, api = clients(PORT, token)
        rng = random.Random(7)
        tickets, contacts = sample["tickets"], sample["contacts"]
        counter = iter(range(10**9))
        rows = [
            ("queue page: mine", lambda: web.get("/tickets/", params={"queue": "mine"})),
            ("queue page: unassigned", lambda: web.get("/tickets/", params={"queue": "unassigned"})),
            ("queue page: at risk", lambda: web.get("/tickets/", params={"queue": "at_risk"})),
            ("queue page: breached", lambda: web.get("/tickets/", params={"queue": "breached"})),
            ("queue page: all open", lambda: web.get("/tickets/", params={"queue": "open"})),
            (
                "queue page: all open, deep cursor",
                lambda: web.get("/tickets/", params={"queue": "open", "cursor": sample["deep"]}),
            ),
            ("ticket page", lambda: web.get(f"/tickets/{rng.choice(tickets)}/")),
            ("API queue list (open)", lambda: api.get("/api/v1/tickets", params={"queue": "open"})),
            ("API queue list (mine)", lambda: api.get("/api/v1/tickets", params={"queue": "mine"})),
            (
                "API create ticket",
                lambda: api.post(
                    "/api/v1/tickets",
                    json={
                        "subject": f"Bench ticket {next(counter)}",
                        "body": "The VPN drops every few minutes since this morning; could you have a look?",
                        "requester_id": rng.choice(contacts),
                        "priority": rng.choice(["p2", "p3", "p3", "p4"]),
                    },
                ),
            ),
        ]
        return [measure(name, call) for name, call in rows if not only or any(o in name for o in only)]
    finally:
        server.terminate()
        server.wait()


def sweep_step(newly_due: int = NEWLY_DUE) -> None:
    """In its own process: time sweep.run() with exactly `newly_due` clocks newly due (2,000 unless given), then again
    with nothing due. `python bench/tickets.py sweep 100` measures a smaller sweep, e.g. one 30-second period's work."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartdesk.config.settings")
    import django

    django.setup()
    from heartdesk.tickets.models import SlaClock, Ticket
    from heartdesk.tickets.sla import sweep

    # "now" is the moment the newly_due-th unswept clock falls due, so exactly that many are due whatever the time
    # since generation (earlier runs swept the generated ones: then it lies ahead of the clock on the wall).
    running = SlaClock.objects.filter(state="running", breached_at=None)
    now = running.order_by("due_at").values_list("due_at", flat=True)[newly_due - 1]
    due = running.filter(due_at__lte=now).count()
    open_tickets = Ticket.objects.filter(is_open=True).count()
    start = time.perf_counter()
    work = sweep.run(now)
    busy = time.perf_counter() - start
    start = time.perf_counter()
    idle = sweep.run(now)
    quiet = time.perf_counter() - start
    print(json.dumps({"open": open_tickets, "due": due, "work": work, "busy": busy, "idle": idle, "quiet": quiet}))


SWEEP_SIZES = (200, 1_000, NEWLY_DUE)  # a 30-second period's work at this size, then two bursts


def sweep_measure(newly_due: int = NEWLY_DUE) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "sweep", str(newly_due)], env=ENV, check=True, text=True, capture_output=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


MAIL_TEXT = (
    "From: Ann Example <ann{n}@bench.example>\r\nTo: support@heartdesk.example\r\nSubject: Printer offline {n}\r\n"
    "Message-ID: <mail{stamp}.{n}@bench.example>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    + "Hello, the printer on floor 3 shows offline again since this morning. We restarted it twice.\r\n"
    * 12
)


def mail_measure() -> dict:
    receiver = subprocess.Popen(
        [str(BIN / "heartdesk"), "mail-receive", "--port", str(MAIL_PORT)], env=ENV, stdout=subprocess.DEVNULL
    )
    try:
        wait_for(MAIL_PORT)
        stamp = time.time_ns()
        per = MAIL // MAIL_CONNECTIONS
        errors: list[str] = []

        def push(first: int) -> None:
            with smtplib.SMTP("127.0.0.1", MAIL_PORT, timeout=30) as smtp:
                for n in range(first, first + per):
                    try:
                        smtp.sendmail(f"ann{n}@bench.example", ["support@heartdesk.example"],
                                      MAIL_TEXT.format(n=n, stamp=stamp).encode())  # fmt: skip
                    except smtplib.SMTPException as error:
                        errors.append(str(error))

        threads = [threading.Thread(target=push, args=(i * per,)) for i in range(MAIL_CONNECTIONS)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        receiver.terminate()
        receiver.wait()
    if errors:
        raise SystemExit(f"mail: {len(errors)} refused, first: {errors[0]}")
    return {"messages": per * MAIL_CONNECTIONS, "seconds": elapsed, "rate": per * MAIL_CONNECTIONS / elapsed}


def main() -> None:
    heartdesk("migrate", "--no-input", "-v", "0")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_tickets.py"), str(TICKETS)], env=ENV, check=True)
    token = heartdesk("token", "create", "bench", "--name", "tickets-bench", capture=True).strip()
    results = pages(token)
    for r in results:  # as soon as measured: a later step that fails does not lose them
        print(f"{r['name']}: median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms", flush=True)
    sweeps = [sweep_measure(n) for n in SWEEP_SIZES]
    for sweep in sweeps:
        print(f"sweep: {sweep}", flush=True)
    mail = mail_measure()
    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (WAL)"
    lines = [
        f"| {r['name']} | {r['median']:.1f} | {r['p95']:.1f} | {TARGETS[r['name']]} | "
        f"{'yes' if r['p95'] <= TARGETS[r['name']] else 'NO'} |"
        for r in results
    ]
    lines += [
        f"| SLA sweep, {sweep['open']:,} open, {sweep['work']['breached']:,} breaches + {sweep['work']['at_risk']:,} "
        f"at risk | | {sweep['busy'] * 1000:.0f} (one run) | 2000 | {'yes' if sweep['busy'] <= 2 else 'NO'} |"
        for sweep in sweeps
    ]
    lines += [
        f"| SLA sweep, nothing due | | {sweeps[-1]['quiet'] * 1000:.1f} (one run) | 2000 | "
        f"{'yes' if sweeps[-1]['quiet'] <= 2 else 'NO'} |",
        f"| inbound mail, {mail['messages']:,} messages over {MAIL_CONNECTIONS} SMTP connections | | "
        f"{mail['rate']:.0f} msgs/s ({mail['seconds']:.1f} s) | ≥ 100 msgs/s | "
        f"{'yes' if mail['rate'] >= 100 else 'NO'} |",
    ]
    table = "\n".join(["| what | median ms | p95 ms | target p95 ms | met |", "|---|---|---|---|---|", *lines])
    print(table)
    write_block(
        f"<!-- bench:tickets:{vendor} -->",
        f"### Help desk, {vendor}: {TICKETS:,} tickets, {REQUESTS} requests each ({time.strftime('%Y-%m-%d')})\n\n"
        f"{table}",
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["sweep"]:
        sweep_step(int(sys.argv[2]) if len(sys.argv) > 2 else NEWLY_DUE)
    elif sys.argv[1:2] == ["pages"]:  # the page and API rows alone, printed, docs untouched
        # `pages "ticket page" "API create"`: only the rows whose names contain one of the arguments
        token = heartdesk("token", "create", "bench", "--name", "pages-bench", capture=True).strip()
        for r in pages(token, only=sys.argv[2:]):
            print(f"{r['name']}: median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms", flush=True)
    else:
        main()
