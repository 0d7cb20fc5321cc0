"""Message and Attachment move from chat to support (the domain owns conversations).

Only Django's state moves: the tables keep their names (chat_message, chat_attachment), no row
is copied, and chat.0005 drops the models from chat's state. The content types are renamed so
the permissions granted on them (admin groups, users) keep working.
"""

import django.contrib.postgres.search
import django.db.models.deletion
import support.search_document
from django.conf import settings
from django.db import migrations, models

MOVED = ("message", "attachment")


def _content_types_move(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if content_types.filter(app_label=target, model=model).exists():
            continue
        content_types.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_support(apps, schema_editor):
    _content_types_move(apps, schema_editor, source="chat", target="support")


def content_types_to_chat(apps, schema_editor):
    _content_types_move(apps, schema_editor, source="support", target="chat")


class Migration(migrations.Migration):

    dependencies = [
        ('support', '0020_team_name_tr'),
        ('chat', '0004_attachment'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sender_type', models.CharField(choices=[('visitor', 'Visitor'), ('agent', 'Agent'), ('bot', 'Bot'), ('system', 'System')], max_length=8)),
                        ('body', models.TextField(blank=True)),
                        ('client_id', models.CharField(blank=True, max_length=64, null=True)),
                        ('actions', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('search_text', models.TextField(blank=True, default='', editable=False)),
                        ('search_document', models.GeneratedField(db_persist=True, expression=support.search_document.SearchDocument('search_text'), output_field=django.contrib.postgres.search.SearchVectorField())),
                        ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='support.conversation')),
                        ('sender_agent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'message',
                        'verbose_name_plural': 'messages',
                        'db_table': 'chat_message',
                    },
                ),
                migrations.CreateModel(
                    name='Attachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uploader_type', models.CharField(choices=[('visitor', 'Visitor'), ('agent', 'Agent')], max_length=8)),
                        ('file', models.FileField(max_length=255, upload_to='')),
                        ('thumbnail', models.FileField(blank=True, max_length=255, upload_to='')),
                        ('name', models.CharField(max_length=255)),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveBigIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('width', models.PositiveIntegerField(blank=True, null=True)),
                        ('height', models.PositiveIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='support.conversation')),
                        ('uploader_agent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='support.message')),
                    ],
                    options={
                        'verbose_name': 'attachment',
                        'verbose_name_plural': 'attachments',
                        'db_table': 'chat_attachment',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['conversation', 'id'], name='message_conversation_id_idx'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.UniqueConstraint(condition=models.Q(('client_id__isnull', False)), fields=('conversation', 'client_id'), name='message_unique_client_id_per_conversation'),
                ),
                migrations.AddConstraint(
                    model_name='attachment',
                    constraint=models.CheckConstraint(condition=models.Q(('uploader_type__in', ['visitor', 'agent'])), name='attachment_uploader_type_valid'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_support, content_types_to_chat),
    ]
