"""Fill the bench database with a help desk's history fast: raw bulk inserts, no services, big transactions.

Run through `make bench` (bench/tickets.py); on its own, after bench/generate.py made the customers:
    HEARTDESK_DATA_DIR=var/bench python bench/generate_tickets.py 1000000

What it makes (for N tickets; shares are of N):
- 10% open (mostly the newest tickets), each with one or two live SLA clocks: ~8% of open tickets breached, 10% at
  risk, 2% "newly due" (due in the last half hour, not yet breached: the sweep's work), 15% pending with paused
  clocks, the rest due within the next ten days. The ticket's due columns, `due_key`, `at_risk` and `breached` are
  what `clocks.sync_ticket_dues` would have written.
- 90% solved or closed with a stopped resolution clock (7% of them met late).
- 2-6 messages each (about 4), alternating customer and agent; a few timeline events each; clock events.
- 20 agents in 4 teams; the `bench` user works in the first team and has its share of open tickets.
SQLite: executemany in transactions of 20,000 tickets; PostgreSQL: COPY. Ends with ANALYZE. A second run with the
same N does nothing.
"""

import datetime as dt
import json
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartdesk.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from heartdesk.accounts.models import Team, User  # noqa: E402
from heartdesk.customers.models import Contact  # noqa: E402
from heartdesk.tickets.models import SlaPolicy, Ticket  # noqa: E402

UTC = dt.UTC
NO_DUE = "9999-12-31 00:00:00"
CHUNK = 20_000
SUBJECTS = [
    "Cannot log in to the portal",
    "Invoice shows the wrong amount",
    "VPN drops every few minutes",
    "Request for a new licence",
    "Printer on floor 3 is offline",
    "Password reset link expired",
    "Data export is missing rows",
    "Course enrolment fails with an error",
    "Email attachments are blocked",
    "Lab booking calendar is empty",
    "Slow response from the library search",
    "Access to the shared drive",
    "Wi-Fi not working in lecture hall",
    "Complaint about the response time",
    "Update billing address",
    "Two-factor code never arrives",
]
BODIES = [
    "Hello, since this morning I get an error when I try to open the page. I have cleared the cache and tried "
    "another browser, but it still fails. Could you have a look? Thanks.",
    "Thank you for your message. I have checked your account and found the cause: the setting was reset by the "
    "last update. I have corrected it; could you try again and let me know?",
    "It works again now, thank you very much for the quick help!",
    "We are still seeing the problem on two of our machines. The error message says the request timed out after "
    "30 seconds. Screenshots attached in the previous mail.",
    "I am sorry for the trouble. I have passed this to our engineers with all the details and will update you by "
    "tomorrow at the latest.",
    "Could you tell me when this will be fixed? Our team depends on it for the exam period next week.",
]
AGENTS = 20
TEAMS = ["Bench first line", "Bench second line", "Bench billing", "Bench engineering"]
# Guide 000 targets (minutes): first response, resolution; P1 counts every hour.
TARGETS = {"p1": (15, 120, True), "p2": (60, 240, False), "p3": (240, 1440, False), "p4": (480, 4320, False)}
PRIORITIES = ["p1"] * 3 + ["p2"] * 17 + ["p3"] * 60 + ["p4"] * 20
CHANNELS = ["email"] * 50 + ["web"] * 20 + ["portal"] * 15 + ["phone"] * 10 + ["chat"] * 5
TYPES = ["question", "incident", "problem", "complaint", "request"]

TICKET_COLS = [
    "id", "subject", "channel", "type", "priority", "status", "is_open", "level", "category", "created_at",
    "updated_at", "first_response_at", "last_customer_message_at", "last_agent_reply_at", "solved_at", "closed_at",
    "agent_reply_count", "reopen_count", "first_response_due", "next_update_due", "resolution_due", "due_key",
    "at_risk", "breached", "rca_required", "assignee_id", "organization_id", "requester_id", "sla_policy_id",
    "team_id",
]  # fmt: skip
MESSAGE_COLS = [
    "ticket_id", "kind", "direction", "channel", "author_id", "contact_id", "body_text", "body_html", "full_text",
    "message_id", "in_reply_to", "recipients", "created_at",
]  # fmt: skip
EVENT_COLS = ["ticket_id", "kind", "actor_id", "actor_label", "data", "created_at"]
CLOCK_COLS = [
    "id", "ticket_id", "target", "state", "around_the_clock", "target_seconds", "elapsed_seconds", "started_at",
    "running_since", "due_at", "at_risk_at", "at_risk_notified_at", "breached_at", "stopped_at", "note",
]  # fmt: skip
CLOCK_EVENT_COLS = ["clock_id", "kind", "at", "data"]


def staff() -> tuple[list[int], list[int], dict[int, int]]:
    """20 agents in 4 teams plus the bench user; returns (agent ids, team ids, agent -> team)."""
    bench = User.objects.get(username="bench")
    agents = []
    for i in range(AGENTS):
        user, _ = User.objects.get_or_create(
            username=f"agent{i:02d}",
            defaults={"first_name": "Agent", "last_name": f"{i:02d}", "email": f"agent{i:02d}@bench.example"},
        )
        agents.append(user)
    teams = []
    for i, name in enumerate(TEAMS):
        team, _ = Team.objects.get_or_create(name=name, defaults={"manager": agents[i]})
        team.members.add(*agents[i::4])
        teams.append(team)
    teams[0].members.add(bench)
    team_of = {a.pk: teams[i % 4].pk for i, a in enumerate(agents)}
    team_of[bench.pk] = teams[0].pk
    return [bench.pk] + [a.pk for a in agents], [t.pk for t in teams], team_of


class Writer:
    """executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"

    def ts(self, t: float | None):
        if t is None:
            return None
        value = str(dt.datetime.fromtimestamp(t, UTC).replace(tzinfo=None))
        return value + "+00" if self.pg else value

    def write(self, table: str, cols: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(cols))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def generate(n: int) -> None:
    start = time.perf_counter()
    existing = Ticket.objects.count()
    if existing >= n:
        print(f"tickets: {existing:,} already there, nothing to do")
        return
    rng = random.Random(11)
    w = Writer()
    staff_ids, team_ids, team_of = staff()
    bench_id = staff_ids[0]
    policy_id = SlaPolicy.objects.get(is_default=True).pk
    contacts = list(Contact.objects.values_list("id", "organization_id"))
    if not contacts:
        raise SystemExit("no contacts: run bench/generate.py first")
    now = time.time()
    first_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    from heartdesk.tickets.models import SlaClock

    clock_id = (SlaClock.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    open_share_recent, recent_from = 0.75, n - int(n * 0.12)
    open_share_old = (n * 0.10 - n * 0.12 * open_share_recent) / (n * 0.88)
    counts = dict(tickets=0, open=0, messages=0, events=0, clocks=0, clock_events=0, newly_due=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-2000000")  # 2 GB for the load: the indexes stay in memory
            cursor.execute("PRAGMA synchronous=OFF")
    for chunk_start in range(existing, n, CHUNK):
        tickets, messages, evts, clks, clk_events = [], [], [], [], []
        for i in range(chunk_start, min(chunk_start + CHUNK, n)):
            tid = first_id + i - existing
            age = (n - i) / n * 3 * 365 * 86400 + rng.random() * 3600  # oldest three years ago, newest now
            created = now - age
            requester, org = rng.choice(contacts)
            priority = rng.choice(PRIORITIES)
            channel = rng.choice(CHANNELS)
            first_min, resolution_min, always = TARGETS[priority]
            is_open = rng.random() < (open_share_recent if i >= recent_from else open_share_old)
            assignee = None if (is_open and rng.random() < 0.3) else rng.choice(staff_ids)
            team = team_of[assignee] if assignee else (rng.choice(team_ids) if rng.random() < 0.5 else None)
            subject = f"{rng.choice(SUBJECTS)} ({tid})"
            n_msg = rng.randint(2, 6) if not is_open else rng.randint(1, 5)
            if is_open:  # every open ticket is at least an hour old and its messages are in the past
                created = min(created, now - 3600 - n_msg * 6 * 3600)
            # Messages, alternating customer and agent, minutes to hours apart.
            t = created
            last_customer = last_agent = first_response = None
            agent_replies = 0
            for k in range(n_msg):
                inbound = k % 2 == 0
                body = rng.choice(BODIES)
                mid = f"b{tid}.{k}@bench.example" if channel == "email" else None
                messages.append(
                    (
                        tid, "reply", "inbound" if inbound else "outbound", channel,
                        None if inbound else (assignee or bench_id), requester if inbound else None,
                        body, "" if inbound else f"<p>{body}</p>", "", mid, "", "[]", w.ts(t),
                    )
                )  # fmt: skip
                if inbound:
                    last_customer = t
                else:
                    last_agent = t
                    agent_replies += 1
                    first_response = first_response or t
                t += rng.uniform(600, 6 * 3600)
            if is_open:
                status = rng.choice(["new", "open", "open", "open", "on_hold"]) if rng.random() > 0.15 else "pending"
                solved = closed = None
            else:
                status = "closed" if rng.random() < 0.9 else "solved"
                solved = t + rng.uniform(600, 86400)
                closed = solved + 4 * 86400 if status == "closed" else None
            updated = closed or solved or max(t, created)
            # SLA clocks.
            due = {"first_response": None, "resolution": None}
            at_risk = breached = False
            if is_open:
                targets = ["resolution"] if first_response else ["first_response", "resolution"]
                roll = rng.random()
                kind = (
                    "paused" if status == "pending"
                    else "breached" if roll < 0.08
                    else "newly_due" if roll < 0.10
                    else "at_risk" if roll < 0.20
                    else "future"
                )  # fmt: skip
                for j, target in enumerate(targets):
                    minutes = first_min if target == "first_response" else resolution_min
                    seconds = minutes * 60
                    state, due_at, risk_at, notified, breached_at = "running", None, None, None, None
                    if kind == "paused" and target == "resolution":
                        state = "paused"
                    else:
                        # The first clock carries the ticket's situation; a second one falls due later.
                        if j == 0 and kind == "breached":
                            due_at = now - rng.uniform(60, 5 * 86400)
                            breached_at = due_at
                        elif j == 0 and kind == "newly_due":
                            due_at = now - rng.uniform(1, 1800)
                            counts["newly_due"] += 1
                        elif j == 0 and kind == "at_risk":
                            due_at = now + rng.uniform(60, seconds * 0.25)
                        else:
                            due_at = now + rng.uniform(seconds * 0.3, seconds * 0.3 + 10 * 86400) * (j + 1)
                        risk_at = due_at - seconds * 0.25
                        notified = risk_at if risk_at <= now else None
                        due[target] = due_at
                        breached = breached or breached_at is not None
                        at_risk = at_risk or risk_at <= now
                    clks.append(
                        (
                            clock_id, tid, target, state, always, seconds,
                            0 if state == "running" else int(seconds * 0.4), w.ts(created),
                            w.ts(created) if state == "running" else None, w.ts(due_at), w.ts(risk_at),
                            w.ts(notified), w.ts(breached_at), None, "",
                        )
                    )  # fmt: skip
                    clk_events.append((clock_id, "started", w.ts(created), json.dumps({"minutes": minutes})))
                    if state == "paused":
                        clk_events.append((clock_id, "paused", w.ts(last_agent or created), '{"reason": "pending"}'))
                    if breached_at:
                        clk_events.append((clock_id, "breached", w.ts(breached_at), "{}"))
                    clock_id += 1
                at_risk = at_risk and not breached
                counts["open"] += 1
            else:
                late = rng.random() < 0.07
                clks.append(
                    (
                        clock_id, tid, "resolution", "breached" if late else "fulfilled", always,
                        resolution_min * 60, resolution_min * 60 + (3600 if late else -60), w.ts(created), None, None,
                        None, None, w.ts(solved) if late else None, w.ts(solved), "",
                    )
                )  # fmt: skip
                clk_events.append((clock_id, "started", w.ts(created), json.dumps({"minutes": resolution_min})))
                clk_events.append((clock_id, "fulfilled", w.ts(solved), '{"reason": "solved"}'))
                clock_id += 1
            dues = [d for d in due.values() if d is not None]
            tickets.append(
                (
                    tid, subject, channel, rng.choice(TYPES), priority, status, is_open, "l1", "", w.ts(created),
                    w.ts(updated), w.ts(first_response), w.ts(last_customer), w.ts(last_agent), w.ts(solved),
                    w.ts(closed), agent_replies, 0, w.ts(due["first_response"]), None, w.ts(due["resolution"]),
                    w.ts(min(dues)) if dues else (NO_DUE + "+00" if w.pg else NO_DUE), at_risk, breached, False,
                    assignee, org, requester, policy_id, team,
                )
            )  # fmt: skip
            # Timeline: created, assigned, status changes.
            evts.append((tid, "created", None, "customer", json.dumps({"channel": channel}), w.ts(created)))
            if assignee:
                evts.append((tid, "assigned", assignee, "", '{"field": "assignee"}', w.ts(created + 120)))
            if status != "new":
                evts.append((tid, "status", assignee, "", json.dumps({"new": status}), w.ts(updated)))
            if closed:
                evts.append((tid, "status", None, "automation", '{"old": "solved", "new": "closed"}', w.ts(closed)))
        with transaction.atomic():
            w.write("tickets_ticket", TICKET_COLS, tickets)
            w.write("tickets_message", MESSAGE_COLS, messages)
            w.write("tickets_ticketevent", EVENT_COLS, evts)
            w.write("tickets_slaclock", CLOCK_COLS, clks)
            w.write("tickets_slaclockevent", CLOCK_EVENT_COLS, clk_events)
        counts["tickets"] += len(tickets)
        counts["messages"] += len(messages)
        counts["events"] += len(evts)
        counts["clocks"] += len(clks)
        counts["clock_events"] += len(clk_events)
        if (chunk_start // CHUNK) % 10 == 0:
            print(f"  {counts['tickets']:>9,} tickets  {time.perf_counter() - start:6.1f}s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("tickets_ticket", "tickets_slaclock"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=10000")  # sampled statistics: minutes faster on a 4 GB file
        # PostgreSQL: VACUUM too, as autovacuum would in production; without it every index-only scan of the
        # freshly copied tables still visits the rows (no page is marked all-visible).
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"generated {counts['tickets']:,} tickets ({counts['open']:,} open, {counts['newly_due']:,} newly due), "
        f"{counts['messages']:,} messages, {counts['events']:,} events, {counts['clocks']:,} clocks, "
        f"{counts['clock_events']:,} clock events in {time.perf_counter() - start:.1f}s"
    )


if __name__ == "__main__":
    generate(int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_TICKETS", 1_000_000)))
