"""Inbox previews show people, not the bot: a flag for an agent's reply, and the previews
that show a bot or system line now show the latest visitor message or agent reply."""

from django.db import migrations, models
from django.db.models import ExpressionWrapper, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Left


def preview_people(apps, schema_editor):
    Conversation = apps.get_model("support", "Conversation")
    Message = apps.get_model("chat", "Message")
    messages = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    people = messages.filter(sender_type__in=("visitor", "agent")).exclude(body="")
    by_agent = ExpressionWrapper(Q(sender_type="agent"), output_field=models.BooleanField())
    Conversation.objects.annotate(last_sender=Subquery(messages.values("sender_type")[:1])).filter(
        last_sender__in=("bot", "system")
    ).update(
        last_message_preview=Coalesce(
            Subquery(people.annotate(cut=Left("body", 140)).values("cut")[:1]), Value("")
        ),
        last_message_preview_by_agent=Coalesce(
            Subquery(people.annotate(agent=by_agent).values("agent")[:1]), Value(False)
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_attachment"),
        ("support", "0018_agent_console_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="last_message_preview_by_agent",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(preview_people, migrations.RunPython.noop),
    ]
