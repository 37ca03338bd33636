from django.db import migrations

from heartdesk.surveys.seed import seed, unseed


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
