# Calendars, outgoing mail and notifications leave the help desk app:
# - calendars: the tables were renamed in 0009 and calendars 0001 owns them; here Django forgets tickets' copy and
#   SLA policies point at calendars.BusinessCalendar (the same table, so the database does nothing);
# - outgoing mail and notifications: messaging 0001 made new tables whose rows name what they are about by a
#   generic reference; every row is copied over (its ticket becomes `about`, its link `url`), then the old tables go.

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models


def copy_mail_and_notifications(apps, schema_editor):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    old_mail, old_notes = apps.get_model("tickets", "OutboundEmail"), apps.get_model("tickets", "Notification")
    if not old_mail.objects.exists() and not old_notes.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    ticket_type = ContentType.objects.get_or_create(app_label="tickets", model="ticket")[0].pk
    mail_columns = [
        "id", "key", "to", "subject", "body_text", "body_html", "message_id", "in_reply_to", "references",
        "headers", "state", "attempts", "error", "created_at", "sent_at",
    ]  # fmt: skip
    note_columns = ["id", "user_id", "kind", "text", "created_at", "read_at", "email_after", "emailed_at"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO messaging_outboundemail ({', '.join(q(c) for c in mail_columns)}, about_type_id, about_id) "
            f"SELECT {', '.join(q(c) for c in mail_columns)}, "
            "CASE WHEN ticket_id IS NULL THEN NULL ELSE %s END, ticket_id FROM tickets_outboundemail",
            [ticket_type],
        )
        cursor.execute(
            f"INSERT INTO messaging_notification ({', '.join(q(c) for c in note_columns)}, about_type_id, about_id, url) "
            f"SELECT {', '.join(q(c) for c in note_columns)}, CASE WHEN ticket_id IS NULL THEN NULL ELSE %s END, "
            "ticket_id, CASE WHEN ticket_id IS NULL THEN '' ELSE '/tickets/' || ticket_id || '/' END "
            "FROM tickets_notification",
            [ticket_type],
        )
        new_models = [apps.get_model("messaging", "OutboundEmail"), apps.get_model("messaging", "Notification")]
        for sql in connection.ops.sequence_reset_sql(no_style(), new_models):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_calendar_tables_move"),
        ("calendars", "0001_initial"),
        ("messaging", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="slapolicy",
                    name="calendar",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="calendars.businesscalendar",
                    ),
                ),
                migrations.DeleteModel(name="CalendarClosure"),
                migrations.DeleteModel(name="BusinessCalendar"),
            ],
        ),
        migrations.RunPython(copy_mail_and_notifications, migrations.RunPython.noop),
        migrations.DeleteModel(name="Notification"),
        migrations.DeleteModel(name="OutboundEmail"),
    ]
