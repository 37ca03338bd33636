from django.db import migrations


def seed(apps, schema_editor):
    from heartdesk.customers.seed import SEGMENTS, TIERS

    Segment = apps.get_model("customers", "Segment")
    Tier = apps.get_model("customers", "Tier")
    for position, data in enumerate(SEGMENTS):
        Segment.objects.get_or_create(name=data["name"], defaults={**data, "position": position})
    for data in TIERS:
        Tier.objects.get_or_create(name=data["name"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
