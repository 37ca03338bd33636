from django.db import migrations


def bytewise_on_postgresql(apps, schema_editor):
    """Prefix ranges and ORDER BY key must agree with the index: "C" makes PostgreSQL compare bytes, like SQLite."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE customers_contactsearchkey ALTER COLUMN "key" TYPE varchar(254) COLLATE "C"'
        )


def backfill(apps, schema_editor):
    from heartdesk.customers.models import Contact
    from heartdesk.customers.search import refresh

    last = 0
    while True:
        batch = list(Contact.objects.select_related("organization").filter(id__gt=last).order_by("id")[:2000])
        if not batch:
            return
        refresh(batch)
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_contact_search_key")]
    operations = [
        migrations.RunPython(bytewise_on_postgresql, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
