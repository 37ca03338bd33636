"""Fill the bench database with survey history fast: raw bulk inserts on top of bench/generate_tickets.py's tickets.

Run through `make bench` (bench/metrics.py); on its own:
    HEARTDESK_DATA_DIR=var/bench python bench/generate_responses.py 250000

What it makes (for N responses):
- 1.5 × N post-interaction invitations on random solved tickets (sent an hour after the solve), N of them answered
  within two days: CSAT mostly 4–5 with a tail of poor answers, NPS 0–10, resolved and response-time answers,
  a comment on a third of them with its sentiment and themes worked out once per text by the real analyzer;
- a follow-up on every poor answer (CSAT ≤ 2 or NPS ≤ 6), most of them closed;
- first contact resolution on every solved ticket (one agent reply or none), and an escalation on 5 % of them.
Dimensions are copied onto each response the way the survey service copies them. A second run with the same N does
nothing. SQLite: executemany; PostgreSQL: COPY (bench/generate_tickets.Writer). Ends with ANALYZE.
"""

import json
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartdesk.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_tickets import Writer  # noqa: E402

from heartdesk.insights.sentiment import analyze  # noqa: E402
from heartdesk.insights.themes import DEFAULT_TAXONOMY, themes_for  # noqa: E402
from heartdesk.surveys.models import Invitation, Response, Survey  # noqa: E402

CHUNK = 20_000
COMMENTS = [
    "Quick and friendly help, thank you!",
    "The agent explained everything clearly and fixed it on the first call.",
    "Still waiting for a real answer after three days.",
    "I had to call twice and explain the problem again.",
    "Good service, but the response took too long.",
    "The knowledge base article solved it before the agent replied.",
    "Closed my ticket without fixing anything. Very disappointed.",
    "Billing was corrected, thanks.",
    "",
]
INVITATION_COLS = [
    "id", "survey_id", "version_id", "contact_id", "ticket_id", "campaign_id", "kind", "state", "nonce", "send_after",
    "sent_at", "opened_at", "answered_at", "reminders_sent", "last_reminded_at", "detail", "created_at",
]  # fmt: skip
RESPONSE_COLS = [
    "id", "invitation_id", "survey_id", "version_id", "contact_id", "ticket_id", "agent_id", "team_id", "channel",
    "organization_id", "segment_id", "tier_id", "source", "submitted_at", "updated_at", "csat", "resolved",
    "response_time_ok", "nps", "comment", "sentiment", "sentiment_score", "themes",
]  # fmt: skip
FOLLOW_UP_COLS = [
    "response_id", "ticket_id", "contact_id", "owner_id", "reasons", "state", "due_at", "created_at",
    "contacted_at", "contact_channel", "outcome", "ticket_reopened", "closed_at", "closed_by_id",
]  # fmt: skip
ESCALATION_COLS = ["ticket_id", "from_level", "to_level", "reason", "actor_id", "rule_id", "created_at"]


def analysed_comments() -> list[tuple[str, str, float | None, str]]:
    scores = analyze([c for c in COMMENTS if c])
    out, it = [], iter(scores)
    for text in COMMENTS:
        if not text:
            out.append(("", "", None, "[]"))
            continue
        s = next(it)
        out.append((text, s.label, s.score, json.dumps(themes_for(text, DEFAULT_TAXONOMY))))
    return out


def generate(n: int) -> None:
    start = time.perf_counter()
    existing = Response.objects.count()
    if existing >= n:
        print(f"responses: {existing:,} already there, nothing to do")
        return
    rng = random.Random(13)
    w = Writer()
    survey = Survey.objects.get(kind="post_interaction", is_default=True)
    version_id = survey.versions.order_by("-number").values_list("id", flat=True)[0]
    comments = analysed_comments()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size=-2000000")
            cursor.execute("PRAGMA synchronous=OFF")
        # FCR on every solved ticket, as the solve service would have stored it (no reopens in the bench data).
        cursor.execute(
            "UPDATE tickets_ticket SET first_contact_resolution = (agent_reply_count <= 1) "
            "WHERE solved_at IS NOT NULL AND first_contact_resolution IS NULL"
        )
        cursor.execute(
            "SELECT t.id, t.requester_id, t.assignee_id, t.team_id, t.channel, t.organization_id, "
            "COALESCE(c.segment_id, o.segment_id), COALESCE(o.tier_id, c.tier_id), t.solved_at "
            "FROM tickets_ticket t JOIN customers_contact c ON c.id = t.requester_id "
            "LEFT JOIN customers_organization o ON o.id = t.organization_id "
            "WHERE t.solved_at IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM surveys_invitation i WHERE i.ticket_id = t.id)"
        )
        solved = cursor.fetchall()
    wanted = int(n * 1.5) - Invitation.objects.count()
    rng.shuffle(solved)
    solved = solved[: max(0, wanted)]
    first_invitation = (Invitation.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    response_id = (Response.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    answered_share = (n - existing) / max(1, len(solved))
    counts = dict(invitations=0, responses=0, follow_ups=0, escalations=0)
    for chunk_start in range(0, len(solved), CHUNK):
        invitations, responses, follow_ups, escalations = [], [], [], []
        for offset, row in enumerate(solved[chunk_start : chunk_start + CHUNK]):
            ticket, contact, agent, team, channel, org, segment, tier, solved_at = row
            invitation_id = first_invitation + chunk_start + offset
            solved_ts = solved_at.timestamp() if hasattr(solved_at, "timestamp") else _parse(solved_at)
            sent = solved_ts + 3600
            answered = rng.random() < answered_share
            answered_at = sent + rng.uniform(60, 2 * 86400) if answered else None
            invitations.append(
                (
                    invitation_id, survey.pk, version_id, contact, ticket, None, "post_interaction",
                    "answered" if answered else "sent", f"{invitation_id:032x}", w.ts(sent), w.ts(sent),
                    w.ts(answered_at), w.ts(answered_at), 0, None, "", w.ts(solved_ts),
                )
            )  # fmt: skip
            if rng.random() < 0.05:
                escalations.append(
                    (ticket, "l1", "l2", "Needs a specialist", agent, None, w.ts(solved_ts - rng.uniform(600, 7200)))
                )
            if not answered:
                continue
            csat = rng.choices([1, 2, 3, 4, 5], weights=[3, 4, 8, 30, 55])[0]
            nps = min(10, max(0, csat * 2 + rng.randint(-2, 1)))
            text, label, score, themes = rng.choice(comments) if rng.random() < 0.33 else comments[-1]
            responses.append(
                (
                    response_id, invitation_id, survey.pk, version_id, contact, ticket, agent, team, channel, org,
                    segment, tier, "page", w.ts(answered_at), w.ts(answered_at), csat, csat >= 3, csat >= 4, nps,
                    text, label, score, themes,
                )
            )  # fmt: skip
            if csat <= 2 or nps <= 6:
                reasons = (["low_rating"] if csat <= 2 else []) + (["detractor"] if nps <= 6 else [])
                closed = rng.random() < 0.85
                done = answered_at + rng.uniform(3600, 3 * 86400)
                follow_ups.append(
                    (
                        response_id, ticket, contact, agent, json.dumps(reasons), "closed" if closed else "open",
                        w.ts(answered_at + 86400), w.ts(answered_at), w.ts(done) if closed else None,
                        "phone" if closed else "", "Called back, apologised and fixed it." if closed else "", False,
                        w.ts(done) if closed else None, agent if closed else None,
                    )
                )  # fmt: skip
            response_id += 1
        with transaction.atomic():
            w.write("surveys_invitation", INVITATION_COLS, invitations)
            w.write("surveys_response", RESPONSE_COLS, responses)
            w.write("surveys_followup", FOLLOW_UP_COLS, follow_ups)
            w.write("tickets_escalation", ESCALATION_COLS, escalations)
        counts["invitations"] += len(invitations)
        counts["responses"] += len(responses)
        counts["follow_ups"] += len(follow_ups)
        counts["escalations"] += len(escalations)
        print(f"  {counts['responses']:>9,} responses  {time.perf_counter() - start:6.1f}s", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("surveys_invitation", "surveys_response"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        else:
            cursor.execute("PRAGMA analysis_limit=10000")
        # PostgreSQL: VACUUM too, as autovacuum would in production; without it every index-only scan of the
        # freshly copied tables still visits the rows (no page is marked all-visible).
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"generated {counts['invitations']:,} invitations, {counts['responses']:,} responses, "
        f"{counts['follow_ups']:,} follow-ups, {counts['escalations']:,} escalations "
        f"in {time.perf_counter() - start:.1f}s"
    )


def _parse(value: str) -> float:
    import datetime as dt

    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


if __name__ == "__main__":
    generate(int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_RESPONSES", 250_000)))
