import pytest

from heartdesk.insights.themes import DEFAULT_TAXONOMY, Taxonomy, themes_for

SEEDED = {
    "response_time": "Response time",
    "resolution_quality": "Resolution quality",
    "agent_knowledge": "Agent knowledge",
    "agent_attitude": "Agent attitude",
    "communication": "Communication",
    "product_defect": "Product defect",
    "billing": "Billing",
    "documentation": "Documentation",
    "process": "Process",
}


def test_the_default_taxonomy_is_seeded_with_the_nine_themes():
    assert {key: theme.label for key, theme in DEFAULT_TAXONOMY.themes.items()} == SEEDED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Still waiting for a reply.", ["response_time"]),
        ("The problem was never fixed.", ["resolution_quality"]),
        ("The agent was clueless about the API.", ["agent_knowledge"]),
        ("Very rude on the phone.", ["agent_attitude"]),
        ("Nobody kept me informed.", ["communication"]),
        ("The app crashes on login.", ["product_defect"]),
        ("I was overcharged on my last invoice.", ["billing"]),
        ("The help center article is outdated.", ["documentation"]),
        ("I got transferred three times.", ["process"]),
        ("Waited 3 weeks for a refund.", ["response_time", "billing"]),
        (
            "Rude agent, and the crash is still not resolved.",
            ["resolution_quality", "agent_attitude", "product_defect"],
        ),
        ("Slow reply, and the docs didn’t help.", ["response_time", "resolution_quality", "documentation"]),
        ("Thanks!", []),
        ("", []),
        ("My billing address changed.", ["billing"]),
        ("The capability I asked about is missing.", []),  # "bill" must not match inside "capability"
        ("RUDE AND SLOW", ["response_time", "agent_attitude"]),
    ],
)
def test_it_finds_the_themes_of_a_comment(text, expected):
    assert themes_for(text) == expected


def test_a_custom_taxonomy_from_rows_replaces_the_default():
    taxonomy = Taxonomy.from_rows(
        [
            {"key": "shipping", "label": "Shipping", "keywords": ["deliver*", "courier", "parcel lost"]},
            {"key": "app", "label": "Mobile app", "keywords": "ios app, android app"},
        ]
    )
    assert themes_for("The courier delivered late and the iOS  app froze", taxonomy) == ["shipping", "app"]
    assert themes_for("My parcel   lost again", taxonomy) == ["shipping"]
    assert themes_for("Rude agent", taxonomy) == []
    assert taxonomy.label("app") == "Mobile app"
    assert taxonomy.themes["app"].patterns == ("ios app", "android app")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"label": "X", "keywords": ["x"]}], "row 1: key:"),
        ([{"key": "Bad Key", "label": "X", "keywords": ["x"]}], "row 1: key:"),
        ([{"key": "a", "label": "A", "keywords": ["a"]}, {"key": "a", "label": "B", "keywords": ["b"]}], "row 2: key:"),
        ([{"key": "a", "label": "  ", "keywords": ["a"]}], "row 1: label:"),
        ([{"key": "a", "keywords": ["a"]}], "row 1: label:"),
        ([{"key": "a", "label": "A"}], "row 1: keywords:"),
        ([{"key": "a", "label": "A", "keywords": []}], "row 1: keywords:"),
        ([{"key": "a", "label": "A", "keywords": " , "}], "row 1: keywords:"),
        ([{"key": "a", "label": "A", "keywords": [3]}], "row 1: keywords:"),
        ([{"key": "a", "label": "A", "keywords": ["*"]}], "row 1: keywords:"),
        (["not a row"], "row 1:"),
    ],
)
def test_from_rows_names_the_bad_field(rows, message):
    with pytest.raises(ValueError, match=message):
        Taxonomy.from_rows(rows)


def test_an_empty_taxonomy_finds_nothing():
    assert themes_for("Rude and slow", Taxonomy.from_rows([])) == []
