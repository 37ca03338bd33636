"""Time a 100,000-row contact import end to end: upload through the API, a real worker, status polled over HTTP.

Run by `make bench` after bench/run.py (it reuses var/bench and its server set-up). Rows: BENCH_IMPORT_ROWS.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, ENV, PORT, heartdesk, start_server, write_block  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))


def make_csv(rows: int) -> bytes:
    stamp = time.time_ns()
    lines = ["email;first name;last name;company;persona;tier;tags"]
    for i in range(rows):
        lines.append(
            f"imp{stamp}.{i}@import.example;Ann{i % 97};Müller{i % 89};Import Org {i % 500};"
            f"{['Faculty', 'Students', 'Staff', 'Researchers'][i % 4]};{['Basic', 'Premium'][i % 2]};bench"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main() -> None:
    token = heartdesk("token", "create", "bench", "--name", "import-bench", capture=True).strip()
    server = start_server()
    worker = subprocess.Popen([str(BIN / "heartdesk"), "worker", "-v", "0"], env=ENV)
    try:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{PORT}", headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        data = make_csv(ROWS)
        start = time.perf_counter()
        job = api.post("/api/v1/imports", files={"file": ("contacts.csv", data, "text/csv")}).json()
        uploaded = time.perf_counter()
        api.post(f"/api/v1/imports/{job['id']}/start", json={})
        while True:
            status = api.get(f"/api/v1/imports/{job['id']}").json()
            if status["status"] in ("done", "rejected", "failed", "checked"):
                break
            time.sleep(0.25)
        done = time.perf_counter()
    finally:
        worker.terminate()
        server.terminate()
        worker.wait()
        server.wait()
    line = (
        f"| {ROWS:,} rows ({len(data) / 1e6:.1f} MB, cp1252, `;`) | {uploaded - start:.1f} s | "
        f"{done - start:.1f} s | {status['status']}, created {status['created_count']:,} |"
    )
    print(line)
    write_block(
        "<!-- bench:import -->",
        f"### CSV import, end to end ({time.strftime('%Y-%m-%d')}; target: 100,000 rows under a minute)\n\n"
        "| file | upload and read | upload to imported | result |\n|---|---|---|---|\n" + line,
    )


if __name__ == "__main__":
    main()
