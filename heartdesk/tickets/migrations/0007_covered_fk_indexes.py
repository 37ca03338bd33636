"""Foreign keys that lead a composite index lose their own single-column index (each write paid for both).

Only the index goes: the state changes with AlterField, the database with a plain DROP INDEX, so SQLite does not
rebuild the (large) tables as its AlterField would. The names are Django's own for these foreign-key indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


COVERED = [
    ("tickets_ticket_requester_id_2072a2f2", "tickets_ticket", "requester_id"),  # ticket_requester_created
    ("tickets_ticket_organization_id_7128da48", "tickets_ticket", "organization_id"),  # ticket_org_created
    ("tickets_ticket_assignee_id_3a5aa407", "tickets_ticket", "assignee_id"),  # ticket_assignee_due
    ("tickets_ticket_team_id_5a4e7469", "tickets_ticket", "team_id"),  # ticket_team_due
    ("tickets_message_ticket_id_a1134910", "tickets_message", "ticket_id"),  # message_ticket_created
    ("tickets_ticketevent_ticket_id_b572d14b", "tickets_ticketevent", "ticket_id"),  # event_ticket_created
    ("tickets_notification_user_id_008c63b1", "tickets_notification", "user_id"),  # notification_user_unread
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('customers', '0005_sort_keys'),
        ('tickets', '0006_kpi_day_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='message',
                    name='ticket',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='tickets.ticket'),
                ),
                migrations.AlterField(
                    model_name='notification',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='assignee',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_tickets', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='organization',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.organization'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='requester',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.contact'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='team',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='accounts.team'),
                ),
                migrations.AlterField(
                    model_name='ticketevent',
                    name='ticket',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='tickets.ticket'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for name, table, column in COVERED
            ],
        ),
    ]
