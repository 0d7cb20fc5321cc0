"""The objects of /api/v1/ and of webhook payloads: one shape for both.

Output serializers read rows loaded by `integrations.selectors` (related rows selected
there); input serializers only parse and validate the request, the services decide.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from faq.models import Article
from ratings.models import Rating
from support.models import (
    MAX_ATTRIBUTE_NAME_CHARS,
    MAX_ATTRIBUTES,
    MAX_FIELD_CHARS,
    Contact,
    Conversation,
    Message,
)
from support.models.agents import user_display_name
from support.privacy import CONTACT_FIELDS


def _agent(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user_display_name(user)}


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactSerializer(serializers.ModelSerializer):
    widget = serializers.SlugRelatedField(slug_field="key", read_only=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        read_only_fields = fields


class ContactRefSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = Contact
        fields = ["id", "external_id", "name", "email"]
        read_only_fields = fields


class RatingRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["score", "comment", "created_at"]
        read_only_fields = fields


class ConversationContextSerializer(serializers.Serializer):
    order_id = serializers.CharField(
        allow_blank=True, help_text='The order the widget attached; "" for none.'
    )
    table = serializers.CharField(allow_blank=True, help_text='The table it attached; "" for none.')


class ConversationSerializer(serializers.ModelSerializer):
    widget = serializers.SerializerMethodField()
    contact = ContactRefSerializer(read_only=True)
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    assignee = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    context = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "widget",
            "contact",
            "status",
            "topic",
            "team",
            "priority",
            "assignee",
            "created_at",
            "last_message_at",
            "first_response_at",
            "resolved_at",
            "rating",
            "context",
        ]
        read_only_fields = fields

    @extend_schema_field(ConversationContextSerializer())
    def get_context(self, conversation) -> dict:
        return {"order_id": conversation.context_order_id, "table": conversation.context_table}

    @extend_schema_field(serializers.CharField())
    def get_widget(self, conversation) -> str:
        return conversation.contact.widget.key

    @extend_schema_field(AgentRefSerializer(allow_null=True))
    def get_assignee(self, conversation) -> dict | None:
        return _agent(conversation.assignee)

    @extend_schema_field(RatingRefSerializer(allow_null=True))
    def get_rating(self, conversation) -> dict | None:
        try:
            rating = conversation.rating
        except Rating.DoesNotExist:
            return None
        return RatingRefSerializer(rating).data


class SenderSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Message.SenderType.choices)
    agent = AgentRefSerializer(allow_null=True)


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "conversation", "client_id", "sender", "body", "created_at"]
        read_only_fields = fields

    @extend_schema_field(SenderSerializer())
    def get_sender(self, message) -> dict:
        return {"type": message.sender_type, "agent": _agent(message.sender_agent)}


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "conversation", "score", "comment", "created_at", "updated_at"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "language",
            "slug",
            "title",
            "summary",
            "category",
            "topic",
            "body_markdown",
            "body_html",
            "url",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, article) -> str:
        return settings.SITE_URL + article.get_absolute_url()


# --- Input ---------------------------------------------------------------------------------
# The schema says "string" and "integer", and JSON tells them apart: DRF's fields would take
# 0 for "0" and "5" for 5, which the schema forbids (schemathesis sends both).


class JsonStringMixin:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(
                serializers.CharField.default_error_messages["invalid"], code="invalid"
            )
        return super().to_internal_value(data)


# DRF refuses NUL characters and, unless blank is allowed, text that is only whitespace (it
# trims it); these patterns say so in the schema.
# Spelled out, not \s: what str.strip() removes (str.isspace), which JavaScript's and Rust's
# \s (schema validators) do not all match.
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# "+", not "*": a field that may be blank is documented as one of this and "" (DRF never runs
# validators on ""), and "" must match only the second.
NO_NUL = RegexValidator(r"^[^\x00]+$", _("Null characters are not allowed."))
# Attribute names and text values: any text without NUL, blank too (the service trims it).
NO_NUL_OR_BLANK = r"^[^\x00]*$"
NOT_BLANK = RegexValidator(
    rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$", _("Null characters or only spaces are not allowed.")
)


class StringField(JsonStringMixin, serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, NO_NUL if self.allow_blank else NOT_BLANK)


class EmailField(JsonStringMixin, serializers.EmailField):
    pass


class SlugField(JsonStringMixin, serializers.SlugField):
    pass


class IdField(serializers.IntegerField):
    """A row id in a JSON body: an integer (not a string of digits), 1 to the largest id."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class InputSerializer(serializers.Serializer):
    """A request body that names only its own fields: an unknown (or misspelt) one is refused,
    named in the error, rather than dropped unseen. The schema says so: every request body
    has additionalProperties false (integrations.api_schema)."""

    def to_internal_value(self, data):
        unknown = (
            [name for name in data if name not in self.fields or self.fields[name].read_only]
            if isinstance(data, Mapping)
            else []
        )
        errors = {name: [_("Unknown field.")] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**exc.detail, **errors}) from exc
        if errors:
            raise serializers.ValidationError(errors)
        return value


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": MAX_ATTRIBUTES,
        "propertyNames": {"maxLength": MAX_ATTRIBUTE_NAME_CHARS, "pattern": NO_NUL_OR_BLANK},
        "additionalProperties": {
            "nullable": True,
            "anyOf": [
                {"type": "string", "maxLength": MAX_FIELD_CHARS, "pattern": NO_NUL_OR_BLANK},
                {"type": "number"},
                {"type": "boolean"},
            ],
        },
    }
)
class AttributesField(serializers.DictField):
    """Host-app attributes: what support.services' contact cleaning keeps (names up to 64
    characters, flat values) and support.edge lets through (no NUL in names or texts), so the
    schema says what the server refuses."""


class ContactInputSerializer(InputSerializer):
    name = StringField(max_length=191, required=False, allow_blank=True)
    email = EmailField(max_length=254, required=False, allow_blank=True)
    phone = StringField(max_length=64, required=False, allow_blank=True)
    attributes = AttributesField(required=False, help_text="Merged into the stored ones.")
    locale = StringField(max_length=16, required=False, allow_blank=True)


class ConversationCreateSerializer(InputSerializer):
    widget = StringField(help_text="The widget key.")
    contact = StringField(max_length=191, help_text="The contact's external id.")
    body = StringField(
        max_length=4000, required=False, allow_blank=True, help_text="The first message."
    )
    client_id = StringField(
        max_length=64, required=False, help_text="Makes a retried create return the first."
    )
    topic = SlugField(required=False, allow_blank=True)
    priority_hint = serializers.ChoiceField(choices=["urgent"], required=False)


class AssignSerializer(InputSerializer):
    agent = IdField(help_text="The user id of the agent.")


class ResolveSerializer(InputSerializer):
    agent = IdField(
        required=False,
        help_text="The agent resolving it (a note in the thread and a rating prompt follow); "
        "without it the conversation is resolved silently.",
    )


class AgentMessageCreateSerializer(InputSerializer):
    body = StringField(max_length=4000)
    sender = serializers.ChoiceField(choices=["agent"], default="agent")
    agent = IdField(help_text="The user id of the agent who writes it.")
    client_id = StringField(max_length=64, required=False)


class BotMessageCreateSerializer(InputSerializer):
    body = StringField(max_length=4000)
    sender = serializers.ChoiceField(choices=["bot"])
    client_id = StringField(max_length=64, required=False)


def message_create_serializer(data):
    """An agent's message names the agent; the bot's does not (the schema: one of the two)."""
    is_bot = isinstance(data, dict) and data.get("sender") == "bot"
    return BotMessageCreateSerializer if is_bot else AgentMessageCreateSerializer


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
