# Business calendars move to the calendars app: their tables are renamed here, then calendars 0001 takes them over
# in Django's state and tickets 0010 lets go of them (no row is copied; foreign keys follow the rename).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_sweep_work_indexes"),
    ]

    operations = [
        migrations.AlterModelTable(name="businesscalendar", table="calendars_businesscalendar"),
        migrations.AlterModelTable(name="calendarclosure", table="calendars_calendarclosure"),
    ]
