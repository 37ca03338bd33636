"""The survey builder: versioned questions, validation that names the field and writes nothing, pages and API."""

import datetime as dt

import pytest

from heartdesk.accounts.choices import Role
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.surveys import builder, services
from heartdesk.surveys.models import Question, Response, Survey, SurveyVersion
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": "nps", "role": "nps", "text": "How likely are you to recommend us?", "required": True},
    {"kind": "single", "text": "Which product do you use most?", "choices": ["Desk", "Chat"]},
    {"kind": "text", "role": "improve", "text": "What could we do better?"},
]


def make(manager, **extra):
    data = {"name": "Quarterly pulse", "kind": "relationship", "language": "en", "questions": QUESTIONS}
    return builder.survey_create(actor=manager, **{**data, **extra})


def test_a_survey_is_created_with_version_1_and_its_questions(cast):
    survey = make(cast[Role.SUPPORT_MANAGER])
    assert survey.current_version.number == 1
    assert [q.kind for q in survey.current_version.questions.order_by("position")] == ["nps", "single", "text"]


def test_editing_questions_without_answers_changes_the_version_in_place(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    survey = make(manager)
    builder.survey_update(survey=survey, actor=manager, questions=QUESTIONS[:1])
    assert SurveyVersion.objects.filter(survey=survey).count() == 1
    assert survey.current_version.questions.count() == 1


def test_editing_a_survey_with_responses_makes_version_2_and_the_old_response_keeps_version_1(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    survey = Survey.objects.get(kind="post_interaction", is_default=True)
    t = ticket(requester=contact())
    tickets.ticket_reply(ticket=t, body="Done", actor=cast[Role.AGENT], status=Status.SOLVED, now=MONDAY_10)
    services.send_due(now=MONDAY_10 + dt.timedelta(hours=2))
    invitation = services.Invitation.objects.get(ticket=t)
    response = services.response_record(invitation=invitation, answers={1: 4}, source="page", partial=True)
    v1 = survey.current_version
    rows = builder.question_rows(v1)
    rows[0]["text"] = "Overall, how satisfied were you?"
    builder.survey_update(survey=survey, actor=manager, questions=rows)
    survey.refresh_from_db()
    assert survey.current_version.number == 2
    assert survey.current_version.questions.get(position=1).text == "Overall, how satisfied were you?"
    response.refresh_from_db()
    assert response.version == v1 and v1.questions.get(position=1).text.startswith("How satisfied")
    assert response.answers.get().question.version == v1


def test_saving_the_same_questions_makes_no_new_version(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    survey = Survey.objects.get(kind="post_interaction", is_default=True)
    builder.survey_update(
        survey=survey, actor=manager, questions=builder.question_rows(survey.current_version), intro="Hi"
    )
    assert survey.versions.count() == 1


@pytest.mark.parametrize(
    ("questions", "field"),
    [
        ([{"kind": "stars", "text": "Rate us"}], "questions.0.kind"),
        ([{"kind": "single", "text": "Pick", "choices": ["only one"]}], "questions.0.choices"),
        ([{"kind": "text", "text": "Say", "choices": ["a", "b"]}], "questions.0.choices"),
        ([{"kind": "nps", "role": "csat", "text": "Recommend?"}], "questions.0.role"),
        (
            [{"kind": "rating_5", "role": "csat", "text": "A"}, {"kind": "rating_5", "role": "csat", "text": "B"}],
            "questions.1.role",
        ),
        ([{"kind": "text", "text": "x" * 301}], "questions.0.text"),
        ([], "questions"),
    ],
)
def test_bad_questions_name_the_field_and_nothing_is_written(cast, questions, field):
    manager = cast[Role.SUPPORT_MANAGER]
    survey = make(manager)
    before = list(Question.objects.values_list("pk", "text"))
    with pytest.raises(Invalid) as caught:
        builder.survey_update(survey=survey, actor=manager, questions=questions, name="Renamed")
    assert field in caught.value.errors
    survey.refresh_from_db()
    assert survey.name == "Quarterly pulse" and list(Question.objects.values_list("pk", "text")) == before


def test_settings_are_checked_by_field(cast):
    with pytest.raises(Invalid) as caught:
        make(cast[Role.SUPPORT_MANAGER], language="not a code!", delay_minutes=25 * 60, kind="weekly")
    assert {"language", "delay_minutes", "kind"} <= set(caught.value.errors)
    assert not Survey.objects.filter(name="Quarterly pulse").exists()


def test_a_name_is_used_once(cast):
    make(cast[Role.SUPPORT_MANAGER])
    with pytest.raises(Conflict):
        make(cast[Role.SUPPORT_MANAGER], name="quarterly PULSE")


def test_a_new_default_unsets_the_old_one_of_its_kind_and_language(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    old = Survey.objects.get(kind="post_interaction", is_default=True)
    new = make(
        manager,
        name="After a ticket, v2",
        kind="post_interaction",
        is_default=True,
        questions=[{"kind": "rating_5", "role": "csat", "text": "How did we do?"}],
    )
    old.refresh_from_db()
    assert new.is_default and not old.is_default
    make(manager, name="Nach dem Ticket", kind="post_interaction", language="de", is_default=True)
    new.refresh_from_db()
    assert new.is_default  # another language keeps its own default


def test_agents_cannot_build_surveys(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make(cast[Role.AGENT])


def test_the_api_creates_updates_and_lists_versions(api):
    manager = api[Role.SUPPORT_MANAGER]
    body = {"name": "Annual", "kind": "annual", "language": "en", "questions": QUESTIONS}
    created = manager.post("surveys", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = manager.put(f"surveys/{pk}", {**body, "questions": [{"kind": "single", "text": "Pick"}]})
    assert bad.status_code == 422
    assert any(e["field"] == "questions.0.choices" for e in bad.json()["errors"])
    ok = manager.put(f"surveys/{pk}", {**body, "questions": QUESTIONS[:2]})
    assert ok.status_code == 200 and len(ok.json()["questions"]) == 2
    versions = manager.get(f"surveys/{pk}/versions").json()
    assert [v["number"] for v in versions] == [1]
    assert api[Role.AGENT].post("surveys", {**body, "name": "Nope"}).status_code == 403
    assert api[Role.AGENT].get(f"surveys/{pk}").status_code == 200


def test_the_survey_page_saves_settings_and_question_rows(cast, web):
    survey = make(cast[Role.SUPPORT_MANAGER])
    client = web[Role.SUPPORT_MANAGER]
    page = client.get(f"/surveys/manage/{survey.pk}/")
    assert page.status_code == 200 and b"Which product do you use most?" in page.content
    form = {
        "name": "Quarterly pulse",
        "kind": "relationship",
        "language": "en",
        "active": "on",
        "delay_minutes": 60,
        "fatigue_days": 30,
        "link_days": 30,
        "thank_you": "Thanks",
        "intro": "",
        "rows": 3,
        "q-0-position": 1,
        "q-0-kind": "nps",
        "q-0-role": "nps",
        "q-0-text": "Recommend?",
        "q-0-required": "on",
        "q-1-position": 2,
        "q-1-kind": "multiple",
        "q-1-role": "",
        "q-1-text": "Which?",
        "q-1-choices": "A\nB\nC",
        "q-2-position": 3,
        "q-2-kind": "text",
        "q-2-role": "",
        "q-2-text": "Gone",
        "q-2-remove": "on",
    }
    assert client.post(f"/surveys/manage/{survey.pk}/", form).status_code == 302
    survey.refresh_from_db()
    assert survey.fatigue_days == 30
    assert list(survey.current_version.questions.values_list("text", "choices")) == [
        ("Recommend?", []),
        ("Which?", ["A", "B", "C"]),
    ]
    form["q-1-choices"] = ""
    bad = client.post(f"/surveys/manage/{survey.pk}/", form)
    assert bad.status_code == 422 and b"at least two choices" in bad.content
    assert web[Role.AGENT].get(f"/surveys/manage/{survey.pk}/").status_code == 403
    assert client.get("/surveys/manage/").status_code == 200


def test_new_surveys_from_the_list_page_start_with_questions(web):
    client = web[Role.SUPPORT_MANAGER]
    response = client.post("/surveys/manage/", {"name": "Pulse", "kind": "relationship", "language": "en"})
    assert response.status_code == 302
    assert Survey.objects.get(name="Pulse").current_version.questions.count() == 2
    assert Response.objects.count() == 0
