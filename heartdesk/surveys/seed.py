"""The post-interaction survey of guide 004 §1 and 000 §4.1, ready to use (English; add languages in the builder)."""

POST_INTERACTION_QUESTIONS = [
    # (kind, role, text, required)
    ("rating_5", "csat", "How satisfied were you with the support you received?", True),
    ("yes_no", "resolved", "Did we resolve your issue?", False),
    ("yes_no", "response_time", "Was the response time acceptable?", False),
    ("nps", "nps", "How likely are you to recommend us to others?", False),
    ("text", "improve", "What could we have done better?", False),
    ("text", "appreciated", "Was there anything you appreciated?", False),
]


def seed(apps, schema_editor=None) -> None:
    Survey = apps.get_model("surveys", "Survey")
    Version = apps.get_model("surveys", "SurveyVersion")
    Question = apps.get_model("surveys", "Question")
    seed_themes(apps)
    if Survey.objects.filter(kind="post_interaction").exists():
        return
    survey = Survey.objects.create(
        name="After a solved ticket",
        kind="post_interaction",
        language="en",
        is_default=True,
        intro="Your request was solved. Two minutes of your time help us serve you better.",
        thank_you="Thank you for your feedback — we read every answer.",
    )
    version = Version.objects.create(survey=survey, number=1)
    for position, (kind, role, text, required) in enumerate(POST_INTERACTION_QUESTIONS, start=1):
        Question.objects.create(version=version, position=position, kind=kind, role=role, text=text, required=required)


def seed_themes(apps, schema_editor=None) -> None:
    """The default feedback taxonomy (guide 000 §4.2's themes), editable afterwards."""
    from heartdesk.insights.themes import DEFAULT_TAXONOMY

    Theme = apps.get_model("surveys", "Theme")
    for key, theme in DEFAULT_TAXONOMY.themes.items():
        Theme.objects.get_or_create(key=key, defaults={"label": theme.label, "keywords": list(theme.patterns)})


def unseed(apps, schema_editor=None) -> None:
    """Reversing keeps a survey that may have answers."""
