from django.db import migrations

from heartdesk.tickets.seed import seed, unseed


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
