from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..search_document import search_document_field, search_text_field
from .fields import agent_field


class Message(models.Model):
    """One message in a conversation. Ids only grow: clients resume with `after=<id>`."""

    class SenderType(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        AGENT = "agent", _("Agent")
        BOT = "bot", _("Bot")
        SYSTEM = "system", _("System")

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Not delivered")

    # Indexed by message_conversation_id_idx, which begins with it.
    conversation = models.ForeignKey(
        "support.Conversation", related_name="messages", on_delete=models.CASCADE, db_index=False
    )
    sender_type = models.CharField(max_length=8, choices=SenderType.choices)
    # The console's timeline mixes messages and notes (support.models.Note.is_note); a
    # missing attribute costs a template three caught exceptions per message.
    is_note = False
    sender_agent = agent_field()
    body = models.TextField(blank=True)
    # Set by the sending client; makes a retried send return the first message.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL is "no id", outside the unique constraint
    actions = models.JSONField(default=list, blank=True)
    # How far an outbound channel (WhatsApp, e-mail) got with this message; blank where
    # nothing is sent out (the widget reads messages from the database).
    delivery = models.CharField(
        _("delivery"), max_length=12, choices=Delivery.choices, blank=True, default=""
    )
    delivery_error = models.CharField(_("delivery error"), max_length=300, blank=True)
    # Not indexed: ids are in time order, and no query chose that index (search's date range
    # reads the messages newest id first).
    created_at = models.DateTimeField(auto_now_add=True)
    # Changed after sending (support.services.message_edits): the text before each change is
    # in the audit log, for supervisors; a deleted message keeps its row (ids only grow) with
    # no text.
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # Folded words of the body (support.text.search_words), written with the message by
    # message_send, and their tsvector on PostgreSQL (GIN-indexed there, migration 0003).
    search_text = search_text_field()
    search_document = search_document_field()

    class Meta:
        # The table keeps the name it had when chat owned messages (no data was moved).
        db_table = "chat_message"
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_unique_client_id_per_conversation",
            )
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="message_conversation_id_idx")]

    def __str__(self) -> str:
        return f"{self.sender_type}: {self.body[:40]}"


class Attachment(models.Model):
    """A file uploaded into a conversation, then referenced by id in one message.

    The stored bytes are what chat.uploads validated (images re-encoded, metadata gone);
    `file`/`thumbnail` hold generated storage names, `name` the sanitised original name that
    is only ever displayed or sent as a download name.
    """

    class Uploader(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        AGENT = "agent", _("Agent")

    conversation = models.ForeignKey(
        "support.Conversation", related_name="attachments", on_delete=models.CASCADE
    )
    # Null until the uploader sends it in a message of the same conversation (once).
    message = models.ForeignKey(
        Message, null=True, blank=True, related_name="attachments", on_delete=models.CASCADE
    )
    uploader_type = models.CharField(max_length=8, choices=Uploader.choices)
    uploader_agent = agent_field()
    file = models.FileField(max_length=255)
    thumbnail = models.FileField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "chat_attachment"
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uploader_type__in=["visitor", "agent"]),
                name="attachment_uploader_type_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
