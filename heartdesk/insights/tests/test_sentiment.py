import pytest

from heartdesk.insights.sentiment import LABELS, NEGATIVE, NEUTRAL, POSITIVE, Sentiment, analyze

# Support comments written for this table (not from the evaluation data): label expected from a careful reader.
COMMENTS = [
    # complaints
    ("Still waiting for a reply after 3 days.", NEGATIVE),
    ("No response to my emails for two weeks.", NEGATIVE),
    ("They closed my ticket without fixing anything.", NEGATIVE),
    ("Useless support, the agent was rude.", NEGATIVE),
    ("I had to call twice and explain everything again.", NEGATIVE),
    ("Nobody ever answered my question.", NEGATIVE),
    ("They never answered.", NEGATIVE),
    ("The issue is still not resolved.", NEGATIVE),
    ("Took forever to get a generic canned response.", NEGATIVE),
    ("The app keeps crashing and support didn't help.", NEGATIVE),
    ("I was charged twice and still no refund.", NEGATIVE),
    ("Very slow and unprofessional.", NEGATIVE),
    ("Waited on hold for 45 minutes then got hung up on.", NEGATIVE),
    ("Terrible experience, I'm cancelling my subscription.", NEGATIVE),
    ("The agent had no idea what he was talking about.", NEGATIVE),
    ("Your documentation is outdated and confusing.", NEGATIVE),
    ("I got passed around between three departments.", NEGATIVE),
    ("STILL BROKEN!!!", NEGATIVE),
    ("Not happy at all 😡", NEGATIVE),
    ("The solution did not work :(", NEGATIVE),
    ("Answer was wrong and the problem came back.", NEGATIVE),
    ("Disappointed, this is unacceptable for a paying customer.", NEGATIVE),
    # praise
    ("Great support, thank you!", POSITIVE),
    ("Anna was friendly and solved my problem in minutes.", POSITIVE),
    ("Quick response and very helpful.", POSITIVE),
    ("Excellent service, the agent really knew the product.", POSITIVE),
    ("Issue resolved on the first contact, thanks!", POSITIVE),
    ("Love the new portal 👍", POSITIVE),
    ("The agent went above and beyond to help me.", POSITIVE),
    ("Fast, polite and professional.", POSITIVE),
    ("Everything works now, much appreciated :)", POSITIVE),
    ("Really happy with how this was handled.", POSITIVE),
    # negations and contrast
    ("Not bad at all, the fix worked.", POSITIVE),
    ("The agent was not helpful.", NEGATIVE),
    ("It was not resolved and nobody followed up.", NEGATIVE),
    ("No problems, all sorted quickly.", POSITIVE),
    ("The agent was friendly but the problem is still not fixed.", NEGATIVE),
    ("Slow at first, but in the end they fixed it and were great.", POSITIVE),
    ("Nice people, but I had to wait three weeks for an answer.", NEGATIVE),
    # neutral: questions, facts
    ("How do I reset my password?", NEUTRAL),
    ("Can you send me the invoice for March?", NEUTRAL),
    ("I would like to change the email address on my account.", NEUTRAL),
    ("Please call me back on my mobile number.", NEUTRAL),
    ("The ticket was about the export feature.", NEUTRAL),
    ("", NEUTRAL),
    ("N/A", NEUTRAL),
]


@pytest.mark.parametrize(("text", "expected"), COMMENTS)
def test_it_labels_support_comments(text, expected):
    assert analyze([text])[0].label == expected


def test_the_table_is_large_and_mostly_complaints():
    assert len(COMMENTS) >= 40
    assert sum(1 for _, label in COMMENTS if label == NEGATIVE) > len(COMMENTS) / 3


def test_it_finds_every_complaint_in_the_table():
    complaints = [text for text, label in COMMENTS if label == NEGATIVE]
    found = [s.label for s in analyze(complaints)].count(NEGATIVE)
    assert found / len(complaints) == 1.0


def test_it_returns_nothing_for_nothing():
    assert analyze([]) == []


def test_it_keeps_order_and_length():
    texts = ["great", "awful", "the invoice", "great"]
    result = analyze(texts)
    assert [s.label for s in result] == [POSITIVE, NEGATIVE, NEUTRAL, POSITIVE]
    assert result[0] == result[3]


@pytest.mark.parametrize(
    "text",
    [t for t, _ in COMMENTS] + ["GOOD " * 200, "terrible!!!!!!!!!! " * 50, "🙂" * 30, "not " * 40, "\n\t "],
)
def test_scores_are_in_range_and_agree_with_labels(text):
    (result,) = analyze([text])
    assert isinstance(result, Sentiment)
    assert result.label in LABELS
    assert -1.0 <= result.score <= 1.0
    if result.label == POSITIVE:
        assert result.score > 0
    if result.label == NEGATIVE:
        assert result.score < 0


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [
        ("The agent was very rude.", "The agent was rude."),
        ("The agent was RUDE.", "The agent was rude."),
        ("The agent was rude!!", "The agent was rude."),
        ("Slow reply but in the end it was terrible.", "Slow reply but in the end it was fine."),
    ],
)
def test_emphasis_makes_a_complaint_more_negative(stronger, weaker):
    strong, weak = analyze([stronger, weaker])
    assert strong.score < weak.score


@pytest.mark.parametrize(
    ("text", "negated"),
    [("good", "not good"), ("helpful", "not helpful"), ("answered", "never answered"), ("fixed", "wasn't fixed")],
)
def test_negation_turns_praise_into_a_complaint(text, negated):
    plain, flipped = analyze([text, negated])
    assert plain.label == POSITIVE
    assert flipped.label == NEGATIVE
