"""Message and Attachment now belong to support (support.0021): chat forgets them, the tables
stay (state only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_attachment"),
        ("support", "0021_message_attachment_from_chat"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Attachment"),
                migrations.DeleteModel(name="Message"),
            ],
            database_operations=[],
        ),
    ]
