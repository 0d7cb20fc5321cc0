"""One rating per resolution: a conversation reopened and resolved again may be rated again.

Existing ratings keep their conversation and rate its resolution at the time (its
resolved_at, or when it was given for a conversation with none); they stay the current
rating of conversations still resolved, and of those reopened since they become history.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def rate_resolutions(apps, schema_editor):
    Rating = apps.get_model("ratings", "Rating")
    Conversation = apps.get_model("support", "Conversation")
    resolved_at = Conversation.objects.filter(pk=OuterRef("conversation_id")).values("resolved_at")
    Rating.objects.update(resolved_at=Coalesce(Subquery(resolved_at), F("created_at")))
    Rating.objects.filter(conversation__status="resolved").update(
        current_for=F("conversation_id")
    )


def back_to_one(apps, schema_editor):
    # Going back keeps only each conversation's newest rating (one-to-one again).
    Rating = apps.get_model("ratings", "Rating")
    newest = (
        Rating.objects.values("conversation").annotate(last=models.Max("pk")).values("last")
    )
    Rating.objects.exclude(pk__in=newest).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0001_initial"),
        ("support", "0016_conversation_active_owner_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rating",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ratings",
                to="support.conversation",
                verbose_name="conversation",
            ),
        ),
        migrations.AddField(
            model_name="rating",
            name="current_for",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="rating",
                to="support.conversation",
                verbose_name="current rating of",
            ),
        ),
        migrations.AddField(
            model_name="rating",
            name="resolved_at",
            field=models.DateTimeField(null=True, verbose_name="resolution rated"),
        ),
        migrations.RunPython(rate_resolutions, back_to_one),
        migrations.AlterField(
            model_name="rating",
            name="resolved_at",
            field=models.DateTimeField(verbose_name="resolution rated"),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.UniqueConstraint(
                fields=("conversation", "resolved_at"), name="rating_one_per_resolution"
            ),
        ),
    ]
