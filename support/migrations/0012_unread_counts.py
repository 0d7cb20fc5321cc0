from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def _count(Message, *, last_read_field, sender_types):
    counts = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            sender_type__in=sender_types,
            id__gt=OuterRef(last_read_field),
        )
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def backfill(apps, schema_editor):
    Conversation = apps.get_model("support", "Conversation")
    Message = apps.get_model("chat", "Message")
    Conversation.objects.update(
        agent_unread_count=_count(
            Message, last_read_field="agent_last_read_id", sender_types=["visitor"]
        ),
        visitor_unread_count=_count(
            Message, last_read_field="visitor_last_read_id", sender_types=["agent", "bot"]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0011_contact_erased_at"),
        ("chat", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="agent_unread_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="conversation",
            name="visitor_unread_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
