"""The SLA presets of ../shared/PRODUCT.md, named after the guide they come from, plus a HEART canned response.

Decisions where the guides are silent: Critical (P1) counts every hour (guide 000 calls it 24/7); other targets
count business hours of the "Business hours" calendar; guide 000's "daily" update means one working day (8 business
hours); guide 002's channel targets (email 4 business hours, chat 60 seconds, social 2 business hours) tighten the
first response for that channel; guide 004's 48-hour resolution counts every hour.
"""

BUSINESS_HOURS = {str(day): [["09:00", "17:00"]] for day in range(5)}

GUIDE_000 = {  # priority: (first response, next update, resolution) in minutes, around the clock
    "p1": (15, 30, 120, True),
    "p2": (60, 120, 240, False),
    "p3": (240, 240, 1440, False),
    "p4": (480, 480, 4320, False),
}
GUIDE_002 = {
    "p1": (60, 120, None, False),
    "p2": (240, 480, None, False),
    "p3": (1440, None, None, False),
    "p4": (4320, None, None, False),
}
GUIDE_002_CHANNELS = {"email": (240, False), "chat": (1, True), "social": (120, False)}

HEART_REPLY = """Hello {first name},

Thank you for telling us about this — I have read your message carefully. [Hear]

I understand how disruptive this is for you, and I am sorry it happened. [Empathize]

What I found: {what is causing it}. [Analyze]

What to do now: {clear steps, one per line}. [Respond]

Could you confirm this solves it for you? I will check in with you by {time} either way. [Transact]

Kind regards,
{your name}"""


def _calendar_model(apps):
    """Calendars moved to their own app (tickets 0009/0010); migration 0002 still sees them in tickets."""
    try:
        return apps.get_model("calendars", "BusinessCalendar")
    except LookupError:
        return apps.get_model("tickets", "BusinessCalendar")


def seed(apps, schema_editor=None) -> None:
    Calendar = _calendar_model(apps)
    Policy = apps.get_model("tickets", "SlaPolicy")
    Target = apps.get_model("tickets", "SlaTarget")
    Canned = apps.get_model("tickets", "CannedResponse")
    Rule = apps.get_model("tickets", "EscalationRule")
    hours, _ = Calendar.objects.get_or_create(
        name="Business hours", defaults={"time_zone": "UTC", "windows": BUSINESS_HOURS}
    )
    Calendar.objects.get_or_create(name="24/7", defaults={"always_open": True, "windows": {}})
    if not Policy.objects.exists():
        g000 = Policy.objects.create(
            name="Guide 000 — Customer satisfaction (default)",
            description="Critical 15 min / 2 h, 24/7; High 1 h / 4 h; Medium 4 h / 24 h; Low 8 h / 72 h (000 §1.2).",
            calendar=hours,
            is_default=True,
            position=10,
        )
        for priority, (first, update, resolution, always) in GUIDE_000.items():
            Target.objects.create(
                policy=g000,
                priority=priority,
                first_response_minutes=first,
                next_update_minutes=update,
                resolution_minutes=resolution,
                around_the_clock=always,
            )
        g002 = Policy.objects.create(
            name="Guide 002 — Customer service guidelines",
            description="P1 1 h, P2 4 h, P3 24 h, P4 72 h first response; updates every 2 h for P1, daily for P2; "
            "email 4 business hours, chat 60 s, social 2 business hours.",
            calendar=hours,
            position=20,
        )
        for priority, (first, update, resolution, always) in GUIDE_002.items():
            Target.objects.create(
                policy=g002,
                priority=priority,
                first_response_minutes=first,
                next_update_minutes=update,
                resolution_minutes=resolution,
                around_the_clock=always,
            )
            for channel, (minutes, channel_always) in GUIDE_002_CHANNELS.items():
                Target.objects.create(
                    policy=g002,
                    priority=priority,
                    channel=channel,
                    first_response_minutes=min(first, minutes),
                    next_update_minutes=update,
                    resolution_minutes=resolution,
                    around_the_clock=channel_always,
                )
        g004 = Policy.objects.create(
            name="Guide 004 — 48-hour resolution",
            description="Every request resolved within 48 hours (004).",
            calendar=hours,
            position=30,
        )
        for priority in GUIDE_000:
            Target.objects.create(policy=g004, priority=priority, resolution_minutes=2880, around_the_clock=True)
    Canned.objects.get_or_create(title="HEART reply (guide 000 §1.1)", defaults={"body": HEART_REPLY, "position": 1})
    Rule.objects.get_or_create(
        name="Breach: raise one level and tell the manager",
        defaults={"trigger": "breach", "notify_manager": True, "position": 10},
    )


def unseed(apps, schema_editor=None) -> None:
    """Reversing the migration keeps data a team may have edited."""
