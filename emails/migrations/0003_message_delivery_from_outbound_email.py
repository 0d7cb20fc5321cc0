"""E-mail replies show their state through Message.delivery (as WhatsApp's do), so the console
redraws it live and offers Retry on a failed one: replies mailed before this take the state of
their OutboundEmail row."""

from django.db import migrations


def copy_states(apps, schema_editor):
    Message = apps.get_model("support", "Message")
    OutboundEmail = apps.get_model("emails", "OutboundEmail")
    for status in ("pending", "sent"):
        Message.objects.filter(
            pk__in=OutboundEmail.objects.filter(status=status).values("message_id"),
            delivery="",
        ).update(delivery=status)
    for message_id, error in OutboundEmail.objects.filter(status="failed").values_list(
        "message_id", "error"
    ):
        Message.objects.filter(pk=message_id, delivery="").update(
            delivery="failed", delivery_error=error[:300]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("emails", "0002_mailbox_channel"),
        ("support", "0032_whatsapp_message_delivery"),
    ]

    operations = [migrations.RunPython(copy_states, migrations.RunPython.noop)]
