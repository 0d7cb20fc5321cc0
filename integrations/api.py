"""The REST API for host-app servers, /api/v1/ (docs/integrations.md, schema at /schema/).

Thin views: parse with a serializer, call one selector (limited to what the token may see)
or one domain service, answer with an output serializer. Domain errors become JSON errors in
integrations.api_auth.exception_handler.
"""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, status
from rest_framework import serializers as drf
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from support import edge
from support import selectors as support_selectors
from support import services as support_services
from support.models import Conversation

from . import selectors
from . import serializers as s
from .selectors import MAX_ID

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(s.ErrorSerializer, description="Missing or invalid token"),
    403: OpenApiResponse(s.ErrorSerializer, description="The token's scope does not allow it"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not found (or not visible)"),
    429: OpenApiResponse(s.ErrorSerializer, description="Rate limited"),
}
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 404, 429)}
WRITE_ERRORS = {**ERRORS, 409: OpenApiResponse(s.ErrorSerializer, description="Conflict")}


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


class OldestFirst(NewestFirst):
    ordering = "id"


@csrf_exempt  # token-authenticated API, no cookies: only its JSON 404 here
def not_found(request, *args, **kwargs):
    return JsonResponse(
        {"error": {"code": "not_found", "detail": _("No such API endpoint.")}}, status=404
    )


class ApiView(APIView):
    """An API view that answers a method it does not have with 405 before asking for a
    token (DRF would check the token first and answer 401)."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        # The path's parameters and the query string; the JSON body is the parser's.
        edge.request_check(request, kwargs)

    def page_response(self, request, queryset, serializer_class, *, order=NewestFirst):
        """One cursor page of `queryset` (the `cursor` and `limit` of PageQuery)."""
        paginator = order()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


class PageQuery(drf.Serializer):
    """The query parameters of a list answered in cursor pages; a list's filters add theirs."""

    cursor = s.StringField(required=False, allow_blank=True)
    limit = drf.IntegerField(required=False, min_value=1, max_value=200)


def page_of(serializer_class, name: str):
    """The schema of one cursor page of `serializer_class` objects."""
    return type(
        name,
        (drf.Serializer,),
        {
            "next": drf.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": drf.URLField(allow_null=True, help_text="The previous page, or null."),
            "results": serializer_class(many=True),
        },
    )


ConversationPage = page_of(s.ConversationSerializer, "ConversationPage")
RatingPage = page_of(s.RatingSerializer, "RatingPage")
ArticlePage = page_of(s.ArticleSerializer, "ArticlePage")


def _parse(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _parse_query(serializer_class, request):
    """Query parameters as the schema reads them: `?updated_after=` is an empty date, refused,
    not a missing one (DRF skips empty form values of optional fields). The last value of a
    repeated parameter counts."""
    return _parse(serializer_class, request.query_params.dict())


def _conversation(request, conversation_id: int):
    """The conversation, when the token's widgets may see it (404 otherwise)."""
    return selectors.conversation_get_for_token(token=request.auth, conversation_id=conversation_id)


def _conversation_response(request, conversation_id: int, *, created: bool = False):
    """The conversation as it is now (read again after a write: its assignee, its status)."""
    return Response(
        s.ConversationSerializer(_conversation(request, conversation_id)).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


# --- Contacts --------------------------------------------------------------------------------


class ContactDetail(ApiView):
    @extend_schema(
        operation_id="contact_get",
        summary="Get a contact by the host app's user id",
        responses={200: s.ContactSerializer, **READ_ERRORS},
    )
    def get(self, request, widget_key: str, external_id: str):
        contact = selectors.contact_get_for_token(
            token=request.auth, widget_key=widget_key, external_id=external_id
        )
        return Response(s.ContactSerializer(contact).data)

    @extend_schema(
        operation_id="contact_put",
        summary="Create or update a contact",
        description="Creates the contact if the widget has none with this external id (201), "
        "else updates the given fields (200). Attributes merge into the stored ones.",
        request=s.ContactInputSerializer,
        responses={200: s.ContactSerializer, 201: s.ContactSerializer, **WRITE_ERRORS},
    )
    def put(self, request, widget_key: str, external_id: str):
        return self._save(request, widget_key, external_id, create=True)

    @extend_schema(
        operation_id="contact_patch",
        summary="Update a contact",
        request=s.ContactInputSerializer,
        responses={200: s.ContactSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, widget_key: str, external_id: str):
        return self._save(request, widget_key, external_id, create=False)

    def _save(self, request, widget_key, external_id, *, create):
        data = _parse(s.ContactInputSerializer, request.data)
        widget = selectors.widget_get_for_token(token=request.auth, key=widget_key)
        contact, created = support_services.contact_upsert(
            widget=widget, external_id=external_id, create=create, **data
        )
        return Response(
            s.ContactSerializer(contact).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Conversations ---------------------------------------------------------------------------


class ConversationFilterSerializer(PageQuery):
    status = drf.ChoiceField(choices=Conversation.Status.choices, required=False)
    widget = s.StringField(required=False, allow_blank=True, help_text="A widget key.")
    contact = s.StringField(required=False, allow_blank=True, help_text="A contact's external id.")
    context = s.StringField(
        required=False,
        allow_blank=True,
        help_text="An order or table the widget attached (Destek.setConversationContext).",
    )
    assignee = drf.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The assigned agent's user id."
    )
    team = drf.SlugField(required=False)
    topic = drf.SlugField(required=False)
    created_after = drf.DateTimeField(required=False)
    created_before = drf.DateTimeField(required=False)
    updated_after = drf.DateTimeField(required=False, help_text="Last message at or after.")


class ConversationList(ApiView):
    @extend_schema(
        operation_id="conversation_list",
        summary="List conversations, newest first",
        parameters=[ConversationFilterSerializer],
        responses={200: ConversationPage, **READ_ERRORS},
    )
    def get(self, request):
        filters = _parse_query(ConversationFilterSerializer, request)
        conversations = selectors.conversation_list_for_token(
            token=request.auth,
            status=filters.get("status", ""),
            widget_key=filters.get("widget", ""),
            contact_external_id=filters.get("contact", ""),
            context=filters.get("context", ""),
            assignee_id=filters.get("assignee"),
            team=filters.get("team", ""),
            topic=filters.get("topic", ""),
            created_after=filters.get("created_after"),
            created_before=filters.get("created_before"),
            updated_after=filters.get("updated_after"),
        )
        return self.page_response(request, conversations, s.ConversationSerializer)

    @extend_schema(
        operation_id="conversation_create",
        summary="Start a conversation on behalf of a contact",
        description="The contact must exist (PUT it first). The body becomes the contact's "
        "first message; a repeated client_id returns the first conversation (200).",
        request=s.ConversationCreateSerializer,
        responses={200: s.ConversationSerializer, 201: s.ConversationSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = _parse(s.ConversationCreateSerializer, request.data)
        contact = selectors.contact_get_for_token(
            token=request.auth, widget_key=data["widget"], external_id=data["contact"]
        )
        if data.get("topic"):
            selectors.topic_check_active(slug=data["topic"])
        conversation, created = support_services.conversation_start(
            contact=contact,
            body=data.get("body"),
            client_id=data.get("client_id"),
            topic_slug=data.get("topic"),
            priority_hint=data.get("priority_hint"),
        )
        return _conversation_response(request, conversation.pk, created=created)


class ConversationDetail(ApiView):
    @extend_schema(
        operation_id="conversation_get",
        summary="Get a conversation",
        responses={200: s.ConversationSerializer, **READ_ERRORS},
    )
    def get(self, request, conversation_id: int):
        return _conversation_response(request, conversation_id)


class ConversationAssign(ApiView):
    @extend_schema(
        operation_id="conversation_assign",
        summary="Assign a conversation to an agent",
        request=s.AssignSerializer,
        responses={200: s.ConversationSerializer, **WRITE_ERRORS},
    )
    def post(self, request, conversation_id: int):
        data = _parse(s.AssignSerializer, request.data)
        conversation = _conversation(request, conversation_id)
        agent = selectors.agent_get(user_id=data["agent"])
        support_services.conversation_assign(
            conversation=conversation, to_user=agent, by_user=agent
        )
        return _conversation_response(request, conversation_id)


class ConversationResolve(ApiView):
    @extend_schema(
        operation_id="conversation_resolve",
        summary="Resolve a conversation",
        request=s.ResolveSerializer,
        responses={200: s.ConversationSerializer, **WRITE_ERRORS},
    )
    def post(self, request, conversation_id: int):
        data = _parse(s.ResolveSerializer, request.data)
        conversation = _conversation(request, conversation_id)
        if "agent" in data:
            agent = selectors.agent_get(user_id=data["agent"])
            support_services.conversation_resolve(conversation=conversation, agent=agent)
        else:
            support_services.conversation_set_status(
                conversation=conversation, status=Conversation.Status.RESOLVED, reason="api"
            )
        return _conversation_response(request, conversation_id)


# --- Messages --------------------------------------------------------------------------------


class MessagePageSerializer(drf.Serializer):
    messages = s.MessageSerializer(many=True)
    has_more = drf.BooleanField()


class MessageListParams(drf.Serializer):
    after = drf.IntegerField(
        required=False, min_value=0, max_value=MAX_ID, default=0, help_text="A message id."
    )
    limit = drf.IntegerField(required=False, min_value=1, max_value=200, default=100)


class MessageList(ApiView):
    @extend_schema(
        operation_id="message_list",
        summary="Messages after an id, oldest first",
        parameters=[MessageListParams],
        responses={200: MessagePageSerializer, **READ_ERRORS},
    )
    def get(self, request, conversation_id: int):
        params = _parse_query(MessageListParams, request)
        conversation = _conversation(request, conversation_id)
        messages = support_selectors.message_objects_after(
            conversation=conversation, after=params["after"], limit=params["limit"] + 1
        )
        return Response(
            {
                "messages": s.MessageSerializer(messages[: params["limit"]], many=True).data,
                "has_more": len(messages) > params["limit"],
            }
        )

    @extend_schema(
        operation_id="message_create",
        summary="Post a message as an agent or as the bot",
        description="A repeated client_id returns the first message (200).",
        request=PolymorphicProxySerializer(
            component_name="MessageCreate",
            serializers=[s.AgentMessageCreateSerializer, s.BotMessageCreateSerializer],
            resource_type_field_name=None,
        ),
        responses={200: s.MessageSerializer, 201: s.MessageSerializer, **WRITE_ERRORS},
    )
    def post(self, request, conversation_id: int):
        data = _parse(s.message_create_serializer(request.data), request.data)
        conversation = _conversation(request, conversation_id)
        agent = selectors.agent_get(user_id=data["agent"]) if "agent" in data else None
        message, created = support_services.message_send(
            conversation=conversation,
            sender_type=data["sender"],
            body=data["body"],
            client_id=data.get("client_id"),
            agent=agent,
        )
        message = support_selectors.message_objects_after(
            conversation=conversation, after=message.pk - 1, limit=1
        )[0]
        return Response(
            s.MessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Ratings and help articles --------------------------------------------------------------


class RatingFilterSerializer(PageQuery):
    widget = s.StringField(required=False, allow_blank=True, help_text="A widget key.")
    created_after = drf.DateTimeField(required=False)


class RatingList(ApiView):
    @extend_schema(
        operation_id="rating_list",
        summary="List ratings, newest first",
        parameters=[RatingFilterSerializer],
        responses={200: RatingPage, **READ_ERRORS},
    )
    def get(self, request):
        filters = _parse_query(RatingFilterSerializer, request)
        ratings = selectors.rating_list_for_token(
            token=request.auth,
            created_after=filters.get("created_after"),
            widget_key=filters.get("widget", ""),
        )
        return self.page_response(request, ratings, s.RatingSerializer)


class ArticleFilterSerializer(PageQuery):
    language = drf.ChoiceField(choices=settings.LANGUAGES, required=False)
    category = drf.SlugField(required=False)


class ArticleList(ApiView):
    @extend_schema(
        operation_id="article_list",
        summary="List published help articles",
        parameters=[ArticleFilterSerializer],
        responses={200: ArticlePage, **READ_ERRORS},
    )
    def get(self, request):
        filters = _parse_query(ArticleFilterSerializer, request)
        articles = selectors.article_list_published(
            language=filters.get("language", ""), category=filters.get("category", "")
        )
        return self.page_response(request, articles, s.ArticleSerializer, order=OldestFirst)


class ArticleDetail(ApiView):
    @extend_schema(
        operation_id="article_get",
        summary="Get a published help article",
        responses={200: s.ArticleSerializer, **READ_ERRORS},
    )
    def get(self, request, article_id: int):
        article = selectors.article_get_published(article_id=article_id)
        return Response(s.ArticleSerializer(article).data)
