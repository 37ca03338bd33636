"""Compare two source trees over HTTP on the same data, fairly on a busy machine: `python bench/compare.py BASE`.

BASE is a copy of the project tree (e.g. `git worktree`, or `cp -r heartdesk` with some files taken from
`git show HEAD:…`); this tree is the other side. Both run as gunicorn (2 sync workers, production settings) on the
same data (HEARTDESK_DATA_DIR or DATABASE_URL, made by bench/run.py and bench/generate_tickets.py). The ticket page
(random tickets) and the API create are requested in blocks of ten that alternate between the two servers, so both
see the same load from whatever else runs; each side gets the median and p95 wall time and the CPU its server
spent per request (from /proc), which the load hardly moves. BENCH_REQUESTS requests per row (200).
"""

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, ENV, REQUESTS, ROOT, heartdesk, wait_for  # noqa: E402
from run import clients as bench_clients  # noqa: E402
from tickets import shell  # noqa: E402

BLOCK = 10


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu_ms(pid: int) -> float:
    """CPU time of a gunicorn master and its workers so far."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (int(entry.name) == pid or int(_stat(int(entry.name))[1]) == pid):
                fields = _stat(int(entry.name))
                total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / os.sysconf("SC_CLK_TCK") * 1000


def start(tree: Path, port: int) -> subprocess.Popen:
    """gunicorn run from `tree`: its directory comes first on sys.path, ahead of the installed (editable) package."""
    env = {**ENV, "HEARTDESK_NODE_MODULES": str(ROOT / "node_modules")}
    env.pop("PYTHONPATH", None)
    args = ["heartdesk.config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    server = subprocess.Popen([str(BIN / "gunicorn"), *args, "--log-level", "warning"], env=env, cwd=tree)
    wait_for(port)
    return server


def main(base: Path) -> None:
    token = heartdesk("token", "create", "bench", "--name", "compare-bench", capture=True).strip()
    hi, count, contacts = map(
        int,
        shell(
            "from heartdesk.tickets.models import Ticket; from heartdesk.customers.models import Contact;"
            "print(Ticket.objects.order_by('-id').values_list('id', flat=True)[0], Ticket.objects.count(),"
            " Contact.objects.order_by('-id').values_list('id', flat=True)[0])"
        ).split(),
    )
    rng = random.Random(7)
    n = REQUESTS + 10
    tickets = [rng.randint(hi - count + 1, hi) for _ in range(n)]
    requesters = [rng.randint(1, contacts) for _ in range(n)]
    priorities = [rng.choice(["p2", "p3", "p3", "p4"]) for _ in range(n)]
    sides = {"base": (base, 8771), "this tree": (ROOT, 8772)}
    servers = {side: start(tree, port) for side, (tree, port) in sides.items()}
    try:
        clients = {}
        for side, (_, port) in sides.items():
            clients[side] = bench_clients(port, token)
        rows = {
            "ticket page": lambda side, i: clients[side][0].get(f"/tickets/{tickets[i]}/"),
            "API create ticket": lambda side, i: clients[side][1].post(
                "/api/v1/tickets",
                json={
                    "subject": f"Bench ticket {i}",
                    "body": "The VPN drops every few minutes since this morning; could you have a look?",
                    "requester_id": requesters[i],
                    "priority": priorities[i],
                },
            ),
        }
        wall = {(side, row): [] for side in sides for row in rows}
        cpu = dict.fromkeys(wall, 0.0)
        for side in sides:  # warm up
            for call in rows.values():
                for i in range(REQUESTS, n):
                    call(side, i)
        for block, first in enumerate(range(0, REQUESTS, BLOCK)):
            order = list(sides) if block % 2 == 0 else list(reversed(sides))
            for row, call in rows.items():
                for side in order:
                    before = server_cpu_ms(servers[side].pid)
                    for i in range(first, min(first + BLOCK, REQUESTS)):
                        start_at = time.perf_counter()
                        response = call(side, i)
                        wall[(side, row)].append((time.perf_counter() - start_at) * 1000)
                        if response.status_code >= 400:
                            raise SystemExit(f"{side} {row}: HTTP {response.status_code} {response.text[:300]}")
                    cpu[(side, row)] += server_cpu_ms(servers[side].pid) - before
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    for row in rows:
        for side in sides:
            samples = sorted(wall[(side, row)])
            print(
                f"{row}, {side}: median {statistics.median(samples):.1f} ms, p95 "
                f"{samples[int(len(samples) * 0.95) - 1]:.1f} ms, server CPU {cpu[(side, row)] / len(samples):.1f} "
                f"ms/request",
                flush=True,
            )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]).resolve())
