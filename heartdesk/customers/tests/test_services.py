import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from heartdesk.accounts.choices import Role
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers import services
from heartdesk.customers.models import Contact, CustomerHistory, Organization, Segment, Tier


@pytest.fixture
def faculty(db):
    return Segment.objects.get(name="Faculty")


@pytest.fixture
def premium(db):
    return Tier.objects.get(name="Premium")


def test_the_guides_segments_and_tiers_are_seeded(db):
    assert list(Segment.objects.values_list("name", flat=True)) == [
        "Faculty",
        "Students",
        "Staff",
        "Researchers",
    ]
    assert Segment.objects.get(name="Students").preferred_channels == ["chat", "self_service"]
    assert list(Tier.objects.values_list("name", flat=True)) == ["Basic", "Enhanced", "Premium"]
    assert "Quarterly business reviews" in Tier.objects.get(name="Premium").includes


def test_a_new_contact_takes_the_personas_channels_and_style(cast, faculty):
    contact = services.contact_create(
        actor=cast[Role.AGENT], first_name="Ada", last_name="Byron", email="ADA@Uni.Example ", segment=faculty
    )
    assert contact.email == "ada@uni.example"
    assert contact.preferred_channels == ["email", "scheduled_call"]
    assert contact.communication_style == "Formal, detailed"


def test_creating_records_history_with_who_and_what(cast, faculty, premium):
    org = services.organization_create(
        actor=cast[Role.AGENT],
        name="Physics",
        segment=faculty,
        tier=premium,
        account_manager=cast[Role.ACCOUNT_MANAGER],
        tags=["vip", "hpc"],
    )
    entry = CustomerHistory.objects.get(organization=org)
    assert entry.kind == "created" and entry.actor == cast[Role.AGENT]
    assert entry.changes["name"] == [None, "Physics"]
    assert entry.changes["tier"][1]["label"] == "Premium"
    assert entry.changes["tags"] == [None, ["hpc", "vip"]]


def test_an_update_records_only_the_fields_that_changed(cast):
    contact = services.contact_create(actor=None, first_name="Ben", email="ben@x.example", phone="1")
    services.contact_update(contact=contact, actor=cast[Role.SPECIALIST], phone="2", first_name="Ben")
    entry = CustomerHistory.objects.filter(contact=contact, kind="updated").get()
    assert entry.changes == {"phone": ["1", "2"]} and entry.actor == cast[Role.SPECIALIST]


def test_an_update_that_changes_nothing_writes_no_history(cast):
    contact = services.contact_create(actor=None, first_name="Ben", email="ben@x.example")
    services.contact_update(contact=contact, actor=cast[Role.AGENT], first_name="Ben")
    assert not CustomerHistory.objects.filter(contact=contact, kind="updated").exists()


def test_churning_a_customer_records_the_date_and_reactivating_clears_it(cast):
    org = services.organization_create(actor=None, name="Law")
    org = services.organization_update(
        organization=org, actor=cast[Role.ACCOUNT_MANAGER], status="churned", churned_on="2026-03-01"
    )
    assert org.churned_on == dt.date(2026, 3, 1)
    org = services.organization_update(organization=org, actor=cast[Role.ACCOUNT_MANAGER], status="active")
    assert org.churned_on is None


def test_two_contacts_cannot_share_an_email_in_any_case(cast):
    services.contact_create(actor=None, email="sam@x.example")
    with pytest.raises(Conflict) as exc:
        services.contact_create(actor=None, email="SAM@x.example")
    assert exc.value.field == "email"
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.example", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "a@b.example", "language": "english!"}, "language"),
        ({"email": "a@b.example", "preferred_channels": ["pigeon"]}, "preferred_channels"),
        ({"email": "a@b.example", "customer_since": "yesterday"}, "customer_since"),
        ({"email": "a@b.example", "status": "asleep"}, "status"),
        ({"email": "a@b.example", "first_name": "x" * 101}, "first_name"),
        ({"email": "a@b.example", "tags": ["t" * 51]}, "tags"),
        ({}, "last_name"),
        ({"email": "a@b.example", "colour": "red"}, "colour"),
    ],
)
def test_bad_contact_input_names_the_field_and_writes_nothing(cast, fields, field):
    with pytest.raises(Invalid) as exc:
        services.contact_create(actor=cast[Role.AGENT], **fields)
    assert exc.value.field == field
    assert Contact.objects.count() == 0 and CustomerHistory.objects.count() == 0


def test_an_executive_cannot_edit_customers(cast):
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=cast[Role.EXECUTIVE], name="Nope")
    assert not Organization.objects.exists()


def test_remove_and_restore_are_recorded_and_block_edits(cast):
    contact = services.contact_create(actor=None, email="r@x.example")
    services.contact_delete(contact=contact, actor=cast[Role.ACCOUNT_MANAGER], reason="left the university")
    with pytest.raises(Conflict):
        services.contact_update(contact=contact, actor=cast[Role.AGENT], phone="5")
    services.contact_restore(contact=contact, actor=cast[Role.ACCOUNT_MANAGER])
    kinds = list(CustomerHistory.objects.filter(contact=contact).order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "deleted", "restored"]
    assert CustomerHistory.objects.get(contact=contact, kind="deleted").note == "left the university"


def test_agents_cannot_remove_customers(cast):
    contact = services.contact_create(actor=None, email="r@x.example")
    with pytest.raises(PermissionDenied):
        services.contact_delete(contact=contact, actor=cast[Role.AGENT])


def test_erasing_removes_personal_data_from_the_record_and_its_history(cast):
    contact = services.contact_create(
        actor=None,
        first_name="Zoë",
        last_name="Secret",
        email="zoe@x.example",
        phone="+49 1",
        notes="allergic to spam",
        tags=["vip"],
    )
    services.contact_update(contact=contact, actor=cast[Role.AGENT], phone="+49 2")
    services.contact_erase(contact=contact, actor=cast[Role.SUPPORT_MANAGER], reason="GDPR request 17")
    contact.refresh_from_db()
    assert contact.email is None and contact.first_name == "" and contact.phone == "" and contact.notes == ""
    assert contact.erased_at and contact.deleted_at and not contact.tags.exists()
    text = str(list(CustomerHistory.objects.filter(contact=contact).values_list("changes", flat=True)))
    for secret in ("Zoë", "Secret", "zoe@x.example", "+49", "allergic", "vip"):
        assert secret not in text
    assert CustomerHistory.objects.filter(contact=contact, kind="erased", note="GDPR request 17").exists()
    with pytest.raises(Conflict):
        services.contact_restore(contact=contact, actor=cast[Role.SUPPORT_MANAGER])


def test_the_erase_command_erases_by_email(cast, capsys):
    contact = services.contact_create(actor=None, first_name="Ann", email="ann@x.example")
    call_command("erase-contact", "ANN@x.example", "--reason", "ticket 4")
    contact.refresh_from_db()
    assert contact.erased_at is not None and contact.email is None
    assert "Erased" in capsys.readouterr().out


def test_segments_in_use_cannot_be_deleted(cast, faculty):
    services.contact_create(actor=None, email="a@x.example", segment=faculty)
    with pytest.raises(Conflict):
        services.segment_delete(segment=faculty, actor=cast[Role.SUPPORT_MANAGER])


def test_a_contact_cannot_join_a_removed_organization(cast):
    org = services.organization_create(actor=None, name="Gone")
    services.organization_delete(organization=org, actor=None)
    org.refresh_from_db()
    with pytest.raises(Invalid) as exc:
        services.contact_create(actor=None, email="a@x.example", organization=org)
    assert exc.value.field == "organization"


def test_search_keys_follow_renames_and_erasure(cast):
    from heartdesk.customers.models import ContactSearchKey

    org = services.organization_create(actor=None, name="Old Name Institute")
    contact = services.contact_create(
        actor=None, first_name="Ann", last_name="Lee", email="ann@x.example", organization=org
    )
    assert set(ContactSearchKey.objects.filter(contact=contact).values_list("key", flat=True)) == {
        "ann lee",
        "lee ann",
        "ann@x.example",
        "old name institute",
    }
    services.organization_update(organization=org, actor=cast[Role.AGENT], name="New Name Institute")
    assert ContactSearchKey.objects.filter(contact=contact, key="new name institute").exists()
    services.contact_update(contact=contact, actor=cast[Role.AGENT], last_name="Kim")
    assert ContactSearchKey.objects.filter(contact=contact, key="kim ann").exists()
    assert not ContactSearchKey.objects.filter(contact=contact, key="lee ann").exists()
    services.contact_erase(contact=contact, actor=cast[Role.ADMIN], reason="gdpr")
    assert not ContactSearchKey.objects.filter(contact=contact).exists()


@pytest.mark.django_db
def test_contact_for_email_finds_the_contact_whatever_the_case_and_makes_one_from_a_display_name():
    made = services.contact_for_email(email="Zoe.Muller@Example.org", name="  Zoë   van Müller ", actor=None)
    assert (made.email, made.first_name, made.last_name) == ("zoe.muller@example.org", "Zoë", "van Müller")
    assert services.contact_for_email(email="ZOE.MULLER@example.org", name="Someone Else", actor=None) == made
    assert Contact.objects.count() == 1
    with pytest.raises(Invalid) as error:
        services.contact_for_email(email="not an address", actor=None)
    assert error.value.field == "email"
    assert Contact.objects.count() == 1
