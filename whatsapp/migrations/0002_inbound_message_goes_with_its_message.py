import django.db.models.deletion
from django.db import migrations, models


def orphans_delete(apps, schema_editor):
    """Ids whose message retention or erasure already deleted (a committed id always had
    its message)."""
    apps.get_model("whatsapp", "InboundMessage").objects.filter(message__isnull=True).delete()


class Migration(migrations.Migration):
    """A stored wamid (it encodes the sender's number) is deleted with its message, so
    retention and erasure leave none behind."""

    dependencies = [
        ("support", "0032_whatsapp_message_delivery"),
        ("whatsapp", "0001_whatsapp_channel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboundmessage",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="support.message",
            ),
        ),
        migrations.RunPython(orphans_delete, migrations.RunPython.noop),
    ]
