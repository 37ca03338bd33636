"""`make bench`, metrics part: survey history on top of the tickets, the roll-ups built, then the dashboard's KPIs.

Run after bench/tickets.py (it reuses its data directory or DATABASE_URL, its tickets and its server set-up).
Sizes: BENCH_RESPONSES survey responses (250,000); BENCH_REQUESTS requests per row (200).
1. bench/generate_responses.py bulk-inserts the survey history (idempotent).
2. `heartdesk rebuild-metrics` builds every day's roll-ups from scratch (timed), unless a previous run built them
   (BENCH_REBUILD=1 forces it).
3. In one process: the roll-up answer and the from-scratch answer for the default 90-day window are compared
   figure by figure (they must be equal) and the from-scratch computation is timed once.
4. A real gunicorn (2 workers) answers GET /api/v1/metrics (90 days, whole desk and one team, with the trend the
   dashboard draws) and the dashboard page; median and p95 over BENCH_REQUESTS requests.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ENV, PORT, ROOT, clients, heartdesk, measure, start_server, write_block  # noqa: E402

RESPONSES = int(os.environ.get("BENCH_RESPONSES", 250_000))
TARGET_MS = 200  # the target: the dashboard's KPIs for a 90-day window; the other rows are for reference
TARGETED = {"API metrics, 90 days", "API metrics, 90 days, one team", "API metrics, 90 days, one agent"}
ROWS = [
    "API metrics, 90 days",
    "API metrics, 90 days, one team",
    "API metrics, 90 days, one agent",
    "API metrics, 365 days",
    "dashboard page, 90 days",
    "dashboard page, 90 days, one team (drill-down)",
]

COMPARE = """
import json, time
from heartdesk.reporting import selectors
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.accounts.models import Team
f = MetricsFilters()
t0 = time.perf_counter(); fast = selectors.metrics(f); t1 = time.perf_counter()
slow = selectors.metrics_from_scratch(f); t2 = time.perf_counter()
diff = [k for k in fast.figures if fast.figures[k] != slow.figures[k]]
team = Team.objects.filter(name='Bench first line').values_list('id', flat=True).first()
print(json.dumps({"rollups_s": t1 - t0, "scratch_s": t2 - t1, "differ": diff, "team": team,
                  "responses": fast.figures["csat"].n, "solved": fast.figures["tickets_solved"].n}))
"""


def token() -> str:
    return heartdesk("token", "create", "bench", "--name", "bench-metrics", capture=True).strip()


def main() -> None:
    heartdesk("migrate", "--no-input", "-v", "0")
    heartdesk("collectstatic", "--no-input", "-v", "0")  # the dashboard page needs the static manifest
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_responses.py"), str(RESPONSES)], env=ENV, check=True)
    built = heartdesk(
        "shell",
        "-c",
        "from heartdesk.reporting.models import DailyFigures; print(DailyFigures.objects.exists())",
        capture=True,
    )
    rebuild_s = None
    if os.environ.get("BENCH_REBUILD") == "1" or built.strip().splitlines()[-1] != "True":
        started = time.perf_counter()
        heartdesk("rebuild-metrics")
        rebuild_s = time.perf_counter() - started
    check = json.loads(heartdesk("shell", "-c", COMPARE, capture=True).strip().splitlines()[-1])
    if check["differ"]:
        raise SystemExit(f"roll-ups differ from the computation from scratch: {check['differ']}")
    bearer = token()
    server = start_server()
    try:
        web, api = clients(PORT, bearer)
        agent_id = next((u["id"] for u in api.get("/api/v1/users").json() if u["username"] == "agent01"), None)
        results = [
            measure(ROWS[0], lambda: api.get("/api/v1/metrics")),
            measure(ROWS[1], lambda: api.get("/api/v1/metrics", params={"team": check["team"]})),
        ]
        if agent_id:
            results.append(measure(ROWS[2], lambda: api.get("/api/v1/metrics", params={"agent": agent_id})))
        results += [
            measure(ROWS[3], lambda: api.get("/api/v1/metrics", params={"date_from": _days_ago(364)})),
            measure(ROWS[4], lambda: web.get("/dashboard/")),
            measure(ROWS[5], lambda: web.get("/dashboard/", params={"team": check["team"]})),
        ]
    finally:
        server.terminate()
        server.wait()
    write_report(results, rebuild_s, check)


def _days_ago(days: int) -> str:
    import datetime as dt

    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def write_report(results, rebuild_s: float | None, check: dict) -> None:
    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (WAL)"
    lines = [
        f"| {r['name']} | {r['median']:.1f} | {r['p95']:.1f} | "
        + (f"{TARGET_MS} | {'yes' if r['p95'] <= TARGET_MS else 'NO'} |" if r["name"] in TARGETED else "– | – |")
        for r in results
    ]
    table = "\n".join(["| what | median ms | p95 ms | target p95 ms | met |", "|---|---|---|---|---|", *lines])
    rebuilt = (
        f"Roll-ups rebuilt from scratch for every day in {rebuild_s:.1f} s. "
        if rebuild_s is not None
        else "Roll-ups reused from an earlier run. "
    )
    notes = rebuilt + (
        "The default 90-day window rests on "
        f"{check['responses']:,} rated responses and {check['solved']:,} solved tickets; in one process the roll-up "
        f"answer took {check['rollups_s'] * 1000:.0f} ms and the computation from scratch {check['scratch_s']:.2f} s, "
        "and every figure of the two was equal."
    )
    print(table)
    print(notes)
    write_block(
        f"<!-- bench:metrics:{vendor} -->",
        f"### {vendor}: KPIs over {RESPONSES:,} survey responses and the help desk's tickets, {results[0]['n']} "
        f"requests each ({time.strftime('%Y-%m-%d')})\n\n{table}\n\n{notes}",
    )


if __name__ == "__main__":
    main()
