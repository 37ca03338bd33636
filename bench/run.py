"""`make bench`: build a large dataset, start a real server process, measure median and p95 latency over HTTP.

Sizes come from BENCH_ORGS (100000) and BENCH_CONTACTS (1000000); the data lives in var/bench (or DATABASE_URL).
Results and method are written to docs/PERFORMANCE.md.
"""

import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ORGS = int(os.environ.get("BENCH_ORGS", 100_000))
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 1_000_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
PORT = int(os.environ.get("BENCH_PORT", 8765))
ENV = {**os.environ, "HEARTDESK_DATA_DIR": os.environ.get("BENCH_DATA_DIR", str(ROOT / "var" / "bench"))}
TARGETS = {
    "customer list page": 50,
    "customer search page": 50,
    "organization list page": 50,
    "contact page": 40,
    "API contact search": 50,
    "API create contact": 30,
}


def heartdesk(*args: str, capture=False) -> str:
    result = subprocess.run([str(BIN / "heartdesk"), *args], env=ENV, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def prepare() -> str:
    heartdesk("migrate", "--no-input", "-v", "0")
    heartdesk("createcachetable")
    heartdesk("collectstatic", "--no-input", "-v", "0")
    heartdesk(
        "shell",
        "-c",
        (
            "from heartdesk.accounts.models import User;"
            "User.objects.filter(username='bench').exists() or "
            "User.objects.create_user('bench', role='support_manager', password='bench-password-123')"
        ),
    )
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(ORGS), str(CONTACTS)], env=ENV, check=True)
    return heartdesk("token", "create", "bench", "--name", "bench", capture=True).strip()


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def start_server() -> subprocess.Popen:
    """A real gunicorn process (2 workers, production settings) on 127.0.0.1:PORT, answering before we return."""
    args = ["heartdesk.config.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"]
    server = subprocess.Popen([str(BIN / "gunicorn"), *args, "--log-level", "warning"], env=ENV)
    wait_for(PORT)
    return server


def clients(port: int, token: str) -> tuple[httpx.Client, httpx.Client]:
    """(a browser session logged in as the bench user, an API client with its bearer token) for the server on port."""
    web = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    login = web.get("/accounts/login/")
    web.post(
        "/accounts/login/",
        data={
            "username": "bench",
            "password": "bench-password-123",
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
    )
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return web, api


def measure(name, call, n=REQUESTS):
    for _ in range(10):
        call()  # warm up
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:300]}")
    samples.sort()
    return {
        "name": name,
        "median": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "n": n,
    }


def main() -> None:
    token = prepare()
    server = start_server()
    try:
        web, api = clients(PORT, token)
        rng = random.Random(7)
        ids = [c["id"] for c in api.get("/api/v1/contacts", params={"page_size": 200}).json()["results"]]
        prefixes = ["ann", "müll", "smith", "kim", "o'b", "weber", "zoe", "hans", "costa", "ta"]
        counter = iter(range(10**9))
        results = [
            measure("customer list page", lambda: web.get("/customers/")),
            measure("customer search page", lambda: web.get("/customers/", params={"q": rng.choice(prefixes)})),
            measure(
                "organization list page",
                lambda: web.get("/customers/organizations/", params={"q": rng.choice(["phys", "law", "mus"])}),
            ),
            measure("contact page", lambda: web.get(f"/customers/contacts/{rng.choice(ids)}/")),
            measure("API contact search", lambda: api.get("/api/v1/contacts", params={"q": rng.choice(prefixes)})),
            measure(
                "API create contact",
                lambda: api.post(
                    "/api/v1/contacts",
                    json={
                        "first_name": "Bench",
                        "last_name": "Mark",
                        "email": f"bench{time.time_ns()}{next(counter)}@b.example",
                    },
                ),
            ),
        ]
    finally:
        server.terminate()
        server.wait()
    write_report(results)


def write_report(results) -> None:
    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (WAL)"
    lines = [
        f"| {r['name']} | {r['median']:.1f} | {r['p95']:.1f} | {TARGETS[r['name']]} | "
        f"{'yes' if r['p95'] <= TARGETS[r['name']] else 'NO'} |"
        for r in results
    ]
    table = "\n".join(["| what | median ms | p95 ms | target p95 ms | met |", "|---|---|---|---|---|", *lines])
    print(table)
    write_block(
        f"<!-- bench:{vendor} -->",
        f"### {vendor}: {ORGS:,} organizations, {CONTACTS:,} contacts, {REQUESTS} requests each "
        f"({time.strftime('%Y-%m-%d')})\n\n{table}",
    )


def write_block(marker: str, body: str) -> None:
    """Replace (or append) the block that starts with `marker` in docs/PERFORMANCE.md."""
    path = ROOT / "docs" / "PERFORMANCE.md"
    text = path.read_text() if path.exists() else ""
    block = f"{marker}\n{body}\n<!-- /bench -->"
    if marker in text:
        start = text.index(marker)
        end = text.index("<!-- /bench -->", start) + len("<!-- /bench -->")
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
