"""Relationship campaigns: the right contacts, fatigue and unsubscribes, one send per contact, reminders, tracking."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied

from heartdesk.accounts.choices import Role
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers import services as customers
from heartdesk.messaging.models import OutboundEmail
from heartdesk.surveys import builder, campaigns, services
from heartdesk.surveys.choices import CampaignState, InvitationState
from heartdesk.surveys.models import Invitation, Unsubscribe
from heartdesk.tickets.tests.factories import MONDAY_10, contact

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def world(cast):
    smb = customers.segment_save(actor=None, name="Small business")
    enterprise = customers.segment_save(actor=None, name="Enterprise")
    gold = customers.tier_save(actor=None, name="Gold")
    silver = customers.tier_save(actor=None, name="Silver")
    people = {
        "target": contact("target@x.example", segment=smb, tier=gold),
        "silver": contact("silver@x.example", segment=smb, tier=silver),
        "enterprise": contact("ent@x.example", segment=enterprise, tier=gold),
        "no_email": contact(None, segment=smb, tier=gold),
        "unsubscribed": contact("unsub@x.example", segment=smb, tier=gold),
        "tired": contact("tired@x.example", segment=smb, tier=gold),
    }
    survey = builder.survey_create(
        actor=None,
        name="Quarterly relationship",
        kind="relationship",
        fatigue_days=30,
        questions=[
            {"kind": "rating_5", "role": "csat", "text": "How satisfied are you with us overall?", "required": True},
            {"kind": "nps", "role": "nps", "text": "How likely are you to recommend us?"},
        ],
    )
    Unsubscribe.objects.create(contact=people["unsubscribed"], kind="", source="test")
    earlier = MONDAY_10 - 5 * DAY
    services.invitation_make(survey=survey, contact=people["tired"], now=earlier, send_after=earlier)
    services.send_due(now=earlier)
    OutboundEmail.objects.all().delete()
    return {"people": people, "survey": survey, "smb": smb, "gold": gold, "manager": cast[Role.SUPPORT_MANAGER]}


def campaign(world, **extra):
    data = {
        "name": "Q4 pulse",
        "survey_id": world["survey"].pk,
        "segment_ids": [world["smb"].pk],
        "tier_ids": [world["gold"].pk],
        "send_at": MONDAY_10,
        "reminder_days": [3, 7],
    }
    created = campaigns.campaign_create(actor=world["manager"], **{**data, **extra})
    return campaigns.campaign_schedule(campaign=created, actor=world["manager"])


def mails():
    return list(OutboundEmail.objects.filter(key__startswith="survey:").values_list("key", "to"))


def test_it_targets_segment_and_tier_and_records_fatigue_and_unsubscribes_as_suppressed(world):
    c = campaign(world)
    assert campaigns.campaign_send_due(now=MONDAY_10 - dt.timedelta(minutes=1)) == 0
    assert campaigns.campaign_send_due(now=MONDAY_10) == 1
    by_contact = {i.contact.email: i for i in Invitation.objects.filter(campaign=c)}
    assert set(by_contact) == {"target@x.example", "unsub@x.example", "tired@x.example"}
    assert by_contact["target@x.example"].state == InvitationState.SENT
    assert by_contact["unsub@x.example"].state == InvitationState.SUPPRESSED
    assert "unsubscribed" in by_contact["unsub@x.example"].detail
    assert "surveyed in the last 30 days" in by_contact["tired@x.example"].detail
    assert mails() == [(f"survey:{by_contact['target@x.example'].pk}:invite", ["target@x.example"])]
    c.refresh_from_db()
    assert c.state == CampaignState.RUNNING


def test_two_sweeps_send_each_invitation_once(world):
    campaign(world)
    assert campaigns.campaign_send_due(now=MONDAY_10) == 1
    assert campaigns.campaign_send_due(now=MONDAY_10 + dt.timedelta(minutes=1)) == 0
    assert services.send_due(now=MONDAY_10 + dt.timedelta(minutes=2)) == 0  # the ticket sweep finds nothing either
    assert len(mails()) == 1


def test_filters_or_within_and_across(world):
    people = world["people"]
    tier_only = campaign(world, name="Gold only", segment_ids=[])
    emails = set(campaigns.campaign_targets(tier_only).values_list("email", flat=True))
    assert emails == {"target@x.example", "ent@x.example", "unsub@x.example", "tired@x.example"}
    enterprise = people["enterprise"].segment
    both = campaign(world, name="Both segments", segment_ids=[world["smb"].pk, enterprise.pk], tier_ids=[])
    assert campaigns.campaign_targets(both).count() == 5


def test_reminders_go_once_per_reminder_day_to_those_who_have_not_answered(world):
    people = world["people"]
    second = contact("second@x.example", segment=world["smb"], tier=world["gold"])
    c = campaign(world)
    campaigns.campaign_send_due(now=MONDAY_10)
    answered = Invitation.objects.get(campaign=c, contact=second)
    services.response_record(invitation=answered, answers={1: 5}, source="page", now=MONDAY_10 + DAY)
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 2 * DAY) == 0
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 3 * DAY) == 1
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 4 * DAY) == 0
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 7 * DAY) == 1
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 9 * DAY) == 0
    target = Invitation.objects.get(campaign=c, contact=people["target"])
    assert target.reminders_sent == 2 and target.last_reminded_at == MONDAY_10 + 7 * DAY
    keys = sorted(k for k, to in mails() if "reminder" in k)
    assert keys == [f"survey:{target.pk}:reminder-1", f"survey:{target.pk}:reminder-2"]
    assert OutboundEmail.objects.get(key=keys[0]).subject.startswith("Reminder: ")
    c.refresh_from_db()
    assert c.state == CampaignState.DONE


def test_a_late_sweep_sends_only_the_latest_reminder(world):
    c = campaign(world)
    campaigns.campaign_send_due(now=MONDAY_10)
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 8 * DAY) == 1
    assert campaigns.campaign_remind_due(now=MONDAY_10 + 9 * DAY) == 0
    assert Invitation.objects.get(campaign=c, state=InvitationState.SENT).reminders_sent == 2


def test_stats_count_sent_suppressed_opened_and_answered(world):
    c = campaign(world)
    campaigns.campaign_send_due(now=MONDAY_10)
    sent = Invitation.objects.get(campaign=c, state=InvitationState.SENT)
    services.invitation_open(sent.pk, now=MONDAY_10 + DAY)
    services.response_record(invitation=sent, answers={1: 4}, source="link", partial=True, now=MONDAY_10 + DAY)
    stats = campaigns.campaign_stats(c)
    assert stats["targeted"] == 3 and stats["sent"] == 1 and stats["suppressed"] == 2
    assert stats["opened"] == 1 and stats["answered"] == 1 and stats["response_rate"] == 100.0
    assert stats["suppressed_reasons"] == {"surveyed in the last 30 days": 1, "the contact unsubscribed": 1}


def test_cancelling_stops_what_is_not_sent_and_a_running_campaign_cannot_change(world):
    c = campaign(world)
    campaigns.campaign_cancel(campaign=c, actor=world["manager"])
    assert campaigns.campaign_send_due(now=MONDAY_10) == 0
    assert not Invitation.objects.filter(campaign=c).exists()
    other = campaign(world, name="Other")
    campaigns.campaign_send_due(now=MONDAY_10)
    with pytest.raises(Conflict):
        campaigns.campaign_update(campaign=other, name="Renamed", survey_id=world["survey"].pk, actor=None)


def test_bad_campaigns_name_the_field(world, cast):
    with pytest.raises(Invalid) as caught:
        campaigns.campaign_create(
            actor=world["manager"], name="", survey_id=world["survey"].pk, tier_ids=[99999], reminder_days=[0, "x"]
        )
    assert {"name", "tier_ids", "reminder_days"} <= set(caught.value.errors)
    with pytest.raises(PermissionDenied):
        campaigns.campaign_create(actor=cast[Role.AGENT], name="x", survey_id=world["survey"].pk)


def test_the_api_runs_a_campaign_and_reports_its_stats(world, api):
    manager = api[Role.SUPPORT_MANAGER]
    body = {
        "name": "API pulse",
        "survey_id": world["survey"].pk,
        "segment_ids": [world["smb"].pk],
        "tier_ids": [world["gold"].pk],
        "reminder_days": [3],
    }
    created = manager.post("campaigns", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert manager.post(f"campaigns/{pk}/schedule", {"send_at": MONDAY_10.isoformat()}).json()["state"] == "scheduled"
    campaigns.campaign_send_due(now=MONDAY_10)
    stats = manager.get(f"campaigns/{pk}/stats").json()
    assert (stats["targeted"], stats["sent"], stats["suppressed"]) == (3, 1, 2)
    assert manager.put(f"campaigns/{pk}", body).status_code == 409
    assert api[Role.AGENT].post("campaigns", {**body, "name": "x"}).status_code == 403
    assert api[Role.AGENT].post(f"campaigns/{pk}/cancel").status_code == 403
    assert manager.post(f"campaigns/{pk}/cancel").json()["state"] == "cancelled"


def test_the_campaign_pages_show_stats_and_schedule(world, web):
    client = web[Role.SUPPORT_MANAGER]
    form = {
        "name": "Web pulse",
        "survey": world["survey"].pk,
        "segments": [world["smb"].pk],
        "tiers": [world["gold"].pk],
        "send_at": "2026-11-16T10:00",
        "reminder_days": "3, 7",
    }
    created = client.post("/surveys/manage/campaigns/", form)
    assert created.status_code == 302
    page = client.get(created["Location"])
    assert page.status_code == 200 and b"3 contacts match" in page.content
    assert client.post(created["Location"] + "schedule").status_code == 302
    campaigns.campaign_send_due(now=MONDAY_10 + DAY)
    page = client.get(created["Location"])
    assert b"the contact unsubscribed: 1" in page.content
    assert web[Role.AGENT].get("/surveys/manage/campaigns/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_campaign_email_arrives_at_a_real_smtp_server(cast, smtp_sink, run_jobs):
    smb = customers.segment_save(actor=None, name="Small business")
    contact("pat@x.example", segment=smb)
    survey = builder.survey_create(
        actor=None,
        name="Annual satisfaction",
        kind="annual",
        questions=[{"kind": "rating_5", "role": "csat", "text": "How satisfied are you with us?", "required": True}],
    )
    manager = cast[Role.SUPPORT_MANAGER]
    c = campaigns.campaign_create(actor=manager, name="Annual 2026", survey_id=survey.pk, segment_ids=[smb.pk])
    campaigns.campaign_schedule(campaign=c, send_at=MONDAY_10, actor=manager)
    assert campaigns.campaign_send_due(now=MONDAY_10) == 1
    run_jobs()
    [message] = [m for m in smtp_sink.messages if m["To"] == "pat@x.example"]
    assert message["Subject"] == "Annual satisfaction"
    body = message.get_body(("plain",)).get_content()
    assert len(re.findall(r"/s/[^/\s]+/rate/[1-5]/", body)) == 5
    assert message["List-Unsubscribe"]
    stats = campaigns.campaign_stats(c)
    assert (stats["sent"], stats["delivered"]) == (1, 1)
