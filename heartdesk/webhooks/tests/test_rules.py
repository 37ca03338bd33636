"""Field rules for webhooks, as plain tables of cases."""

import pytest

from heartdesk.webhooks import rules


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://crm.example/hook", "https://crm.example/hook"),
        ("  http://127.0.0.1:8080/in?x=1 ", "http://127.0.0.1:8080/in?x=1"),
        ("https://user:pw@hooks.example.org/a/b", "https://user:pw@hooks.example.org/a/b"),
        ("http://localhost:9000", "http://localhost:9000"),
    ],
)
def test_http_and_https_urls_are_accepted(value, expected):
    assert rules.clean_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "crm.example/hook", "ftp://crm.example/x", "file:///etc/passwd", "javascript:alert(1)", "https://"]
    + ["https://crm.example/" + "a" * 2000],
)
def test_other_urls_are_refused_naming_the_url(value):
    with pytest.raises(rules.RuleError) as err:
        rules.clean_url(value)
    assert err.value.field == "url"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["ticket.updated", "ticket.created", "ticket.created"], ["ticket.created", "ticket.updated"]),
        (["*"], ["*"]),
        (["ticket.created", "*"], ["*"]),
        (("survey.response",), ["survey.response"]),
    ],
)
def test_event_lists_are_sorted_without_repeats_and_star_means_all(value, expected):
    assert rules.clean_events(value) == expected


@pytest.mark.parametrize("value", [None, [], "ticket.created", ["ticket.closed"], ["webhook.test"], {"a": 1}])
def test_bad_event_lists_are_refused_naming_the_events(value):
    with pytest.raises(rules.RuleError) as err:
        rules.clean_events(value)
    assert err.value.field == "events"


@pytest.mark.parametrize(
    ("events", "event_type", "expected"),
    [
        (["*"], "survey.response", True),
        (["ticket.created"], "ticket.created", True),
        (["ticket.created"], "ticket.updated", False),
        ([], "ticket.created", False),
    ],
)
def test_which_webhooks_subscribe_to_an_event(events, event_type, expected):
    assert rules.subscribes(events, event_type) is expected
