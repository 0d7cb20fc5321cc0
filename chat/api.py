"""The widget HTTP API, /api/widget/v1/ (docs/protocol.md). Thin views over chat/support services.

Authentication is the visitor token in the Authorization header, never a cookie, so these
views are CSRF-exempt by design: a cross-site page cannot send the header.
"""

import functools

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from emails import services as email_services
from faq import protocol as faq_protocol
from faq import selectors as faq_selectors
from faq import services as faq_services
from ratings import services as rating_services
from support import conversation_context, edge, errors, hours
from support import selectors as support_selectors
from support import services as support_services
from support.http import client_ip
from support.languages import contact_language

from . import attachments as attachment_services
from . import protocol, selectors, uploads


def error_response(error: errors.DomainError) -> JsonResponse:
    """The protocol's error body, with the error's headers (Retry-After for 429 and 503)."""
    return JsonResponse(
        {
            "error": {
                "code": error.code,
                "detail": error.detail,
                # A form's problems, field by field (the pre-chat form marks each).
                **({"fields": error.fields} if isinstance(error, errors.FormInvalid) else {}),
            }
        },
        status=error.status,
        headers=error.http_headers,
    )


def _json_body(request) -> dict:
    if not request.body:
        return {}
    data = edge.json_load(request.body)
    if not isinstance(data, dict):
        raise errors.InvalidInput(_("The body must be a JSON object."), code="invalid_json")
    return data


def widget_endpoint(*, methods: list[str], authenticated: bool = True, json_body: bool = True):
    """Parse JSON, authenticate the visitor, and turn domain errors into protocol errors.

    `json_body=False` leaves the body alone (multipart uploads read it themselves, after the
    visitor is authenticated).
    """

    def decorator(view):
        @csrf_exempt
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                edge.request_check(request, kwargs)
                parse = json_body and request.method == "POST"
                request.json = _json_body(request) if parse else {}
                if authenticated:
                    header = request.headers.get("Authorization", "")
                    token = header[7:].strip() if header.startswith("Bearer ") else ""
                    request.contact = support_selectors.contact_get_by_visitor_token(token=token)
                return view(request, *args, **kwargs)
            except errors.Blocked:
                # A blocked visitor: as accepted, nothing more (docs/protocol.md, Blocks).
                return JsonResponse({"accepted": True}, status=202)
            except errors.DomainError as error:
                return error_response(error)

        return wrapper

    return decorator


def ws_url(request) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/widget/"


@widget_endpoint(methods=["POST"], authenticated=False)
def session(request):
    data = request.json
    contact, token = support_services.widget_session_open(
        widget_key=data.get("widget_key"),
        visitor_token=data.get("visitor_token"),
        identity=data.get("identity"),
        contact_data=data.get("contact"),
        device=data.get("device"),
        locale=data.get("locale"),
        ip_address=client_ip(request),
    )
    language = contact_language(contact)
    active_topics = support_selectors.topic_list_active()
    now = timezone.now()
    open_hours = hours.support_hours(
        teams=[topic.team for topic in active_topics if topic.team is not None], at=now
    )
    topics = [
        {
            "slug": topic.slug,
            "name": topic.name_for(language),
            "description": topic.description_for(language),
            "urgent_allowed": topic.allow_urgent,
            # A topic without a team is answered by whoever is there: it follows support.
            **_opening(open_hours.by_team.get(topic.team_id, open_hours.status)),
        }
        for topic in active_topics
    ]
    conversations = support_selectors.conversation_list_for_contact(contact=contact)
    return JsonResponse(
        {
            "visitor_token": token,
            "contact": {
                "id": contact.pk,
                "name": contact.name,
                "identified": contact.identified,
            },
            "hours": {
                **_opening(open_hours.status),
                "message": ""
                if open_hours.status.is_open
                else hours.out_of_hours_message(team=open_hours.next_team, language=language),
            },
            "topics": topics,
            "faq": [
                faq_protocol.article_link(article, request=request)
                for article in faq_selectors.article_list_top(language=language, limit=5)
            ],
            "conversations": [protocol.conversation_summary(c) for c in conversations],
            "email": email_services.email_offer(
                contact=contact,
                offer=support_selectors.nobody_can_answer(
                    conversation=None, now=now, support_open=open_hours.status.is_open
                ),
            ),
            "ws_url": ws_url(request),
            "prechat": _prechat_questions(contact, language),
        }
    )


def _prechat_questions(contact, language: str) -> list[dict]:
    """The widget's pre-chat questions the contact has not answered yet (an identified user
    whose name and email are known is not asked again); [] when there is no form."""
    questions = []
    with translation.override(language):
        for field in support_selectors.prechat_field_list_for_widget(widget_id=contact.widget_id):
            if support_services.prechat_field_known(field, contact):
                continue
            attribute = field.attribute
            questions.append(
                {
                    "name": support_services.prechat_field_name(field),
                    "kind": field.kind,
                    "label": attribute.label_for(language)
                    if attribute
                    else field.get_kind_display(),
                    "type": attribute.type if attribute else field.kind,
                    "options": attribute.options if attribute and attribute.type == "list" else [],
                    "required": field.required,
                    "topic": field.topic.slug if field.topic else None,
                    # Asked again at each new conversation (order or table number), not once.
                    "repeat": support_services.prechat_field_repeats(field),
                }
            )
    return questions


def _opening(status: hours.OpeningStatus) -> dict:
    next_open_at = status.next_open_at
    return {
        "open": status.is_open,
        "next_open_at": next_open_at.isoformat() if next_open_at else None,
    }


def _conversation_payload(conversation) -> dict:
    messages, has_more = selectors.message_list_after(
        conversation=conversation, after=0, limit=settings.DESTEK["MESSAGES_PAGE_SIZE"]
    )
    return {
        **protocol.conversation_for_visitor(conversation),
        "messages": messages,
        "has_more": has_more,
    }


HISTORY_PAGE_MAX = 100


@widget_endpoint(methods=["GET", "POST"])
def conversation_list(request):
    """GET: the visitor's conversations, newest activity first (`limit` 1–100, default 50,
    `offset`), with unread counts, for the widget's history. POST: start one."""
    if request.method == "GET":
        return _conversation_history(request)
    data = request.json
    # Checked before anything is written: a bad context starts nothing.
    context = conversation_context.conversation_context_clean(data.get("context") or {})
    conversation, created = support_services.conversation_start(
        contact=request.contact,
        body=data.get("body"),
        client_id=data.get("client_id"),
        topic_slug=data.get("topic"),
        priority_hint=data.get("priority_hint"),
        proactive_token=data.get("proactive"),
        rate_limit=True,
        prechat=data.get("prechat"),
    )
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation.pk
    )
    conversation_context.conversation_context_set(conversation=conversation, context=context)
    return JsonResponse(_conversation_payload(conversation), status=201 if created else 200)


@widget_endpoint(methods=["POST"])
def conversation_context_change(request, conversation_id: int):
    """Destek.setConversationContext: the order or table the visitor's conversation is about
    (docs/sdk.md); the keys given change, null or "" clears one."""
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    context = conversation_context.conversation_context_clean(request.json)
    conversation_context.conversation_context_set(
        conversation=conversation, context=context, rate_limit=True
    )
    return JsonResponse({"context": conversation_context.conversation_context_dict(conversation)})


def _conversation_history(request) -> JsonResponse:
    limit = edge.int_param(
        request.GET.get("limit"), name="limit", default=50, minimum=1, maximum=HISTORY_PAGE_MAX
    )
    offset = edge.int_param(request.GET.get("offset"), name="offset", default=0)
    conversations = support_selectors.conversation_list_for_contact(
        contact=request.contact, limit=limit + 1, offset=offset
    )
    return JsonResponse(
        {
            "conversations": [protocol.conversation_summary(c) for c in conversations[:limit]],
            "has_more": len(conversations) > limit,
        }
    )


@widget_endpoint(methods=["GET", "POST"])
def conversation_messages(request, conversation_id: int):
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    if request.method == "POST":
        data = request.json
        message, created = support_services.visitor_message_send(
            conversation=conversation,
            body=data.get("body"),
            client_id=data.get("client_id"),
            action=data.get("action"),
            attachments=data.get("attachments"),
            rate_limit=True,
        )
        return JsonResponse(protocol.message_to_dict(message), status=201 if created else 200)
    # An `after` past any id finds nothing (200, no messages): only its sign is refused.
    after = edge.int_param(request.GET.get("after"), name="after", default=0, clamp=True)
    limit = edge.int_param(
        request.GET.get("limit"),
        name="limit",
        default=settings.DESTEK["MESSAGES_PAGE_SIZE"],
        minimum=1,
        maximum=500,
    )
    messages, has_more = selectors.message_list_after(
        conversation=conversation, after=after, limit=limit
    )
    return JsonResponse({"messages": messages, "has_more": has_more})


@widget_endpoint(methods=["DELETE"], json_body=False)
def conversation_message_delete(request, conversation_id: int, message_id: int):
    """The visitor deletes their own last message while no agent has seen it (an addition:
    docs/protocol.md, Changed messages). Answers the message as it now is."""
    message = support_services.visitor_message_delete(
        contact=request.contact, conversation_id=conversation_id, message_id=message_id
    )
    return JsonResponse(protocol.message_to_dict(message))


@widget_endpoint(methods=["POST"], json_body=False)
def conversation_attachments(request, conversation_id: int):
    """`POST conversations/<id>/attachments`, multipart `file`: 201 Attachment, unsent until a
    message names its id. 400 empty, 413 too large, 415 not an allowed type, 429 too many,
    503 `busy` with Retry-After when no image slot freed in time (chat.image_work)."""
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    attachment = attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=uploads.request_file(request),
        uploader_type="visitor",
        ip_address=client_ip(request),
    )
    return JsonResponse(protocol.attachment_to_dict(attachment), status=201)


@widget_endpoint(methods=["GET"])
def conversation_attachment(request, conversation_id: int, attachment_id: int):
    """`GET conversations/<id>/attachments/<id>` (an addition to v1): the Attachment with fresh
    URLs, for a client whose earlier URL expired."""
    attachment = selectors.attachment_get_for_contact(
        contact=request.contact, conversation_id=conversation_id, attachment_id=attachment_id
    )
    return JsonResponse(protocol.attachment_to_dict(attachment))


@widget_endpoint(methods=["POST"])
def conversation_reopen(request, conversation_id: int):
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    support_services.conversation_reopen(conversation=conversation)
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    return JsonResponse(protocol.conversation_for_visitor(conversation))


@widget_endpoint(methods=["POST"])
def session_end(request):
    """Forget the visitor (the SDK's reset()): every token issued so far stops working."""
    support_services.visitor_session_revoke(contact=request.contact)
    return JsonResponse({}, status=200)


@widget_endpoint(methods=["GET"])
def faq_search(request):
    """`GET faq?q=&topic=&lang=`: help articles, best match first; no q gives the top ones."""
    query = request.GET.get("q", "")
    if len(query) > faq_protocol.MAX_QUERY_CHARS:
        raise errors.InvalidInput(
            _("q must be at most %(max)s characters.") % {"max": faq_protocol.MAX_QUERY_CHARS},
            code="query_too_long",
        )
    faq_services.article_search_rate_check(contact_id=request.contact.pk)
    results = faq_protocol.search_results(
        request=request,
        query=query,
        language=request.GET.get("lang") or contact_language(request.contact),
        topic_slug=request.GET.get("topic") or None,
    )
    return JsonResponse({"results": results})


@widget_endpoint(methods=["GET"])
def faq_article(request, article_id: int):
    """`GET faq/<id>`: one published article to read inside the widget.

    `body_html` is the sanitised HTML faq.services stored (faq/markdown.py): the only field a
    client may render as HTML.
    """
    article = faq_selectors.article_get_published_by_id(
        article_id, "pk", "title", "language", "slug", "body_html", "updated_at"
    )
    return JsonResponse(
        {
            "id": article.pk,
            "title": article.title,
            "language": article.language,
            "body_html": article.body_html,
            "url": faq_protocol.article_url(article, request=request),
            "updated_at": article.updated_at.isoformat(),
        }
    )


@widget_endpoint(methods=["POST"])
def faq_article_feedback(request, article_id: int):
    """`POST faq/<id>/feedback` {helpful}: one vote per contact; voting again changes it."""
    article = faq_selectors.article_get_published_by_id(article_id, "pk")
    article = faq_services.article_feedback_record(
        article=article,
        helpful=request.json.get("helpful"),
        voter_key=f"contact:{request.contact.pk}",
    )
    return JsonResponse(
        {"helpful_yes": article.helpful_yes_count, "helpful_no": article.helpful_no_count}
    )


@widget_endpoint(methods=["POST"])
def conversation_rating(request, conversation_id: int):
    """`POST conversations/<id>/rating` {score, comment}: 201 Conversation with its `rating`;
    200 when changed within the edit window; 409 `not_resolved` or `already_rated`."""
    conversation = support_selectors.conversation_get_for_contact(
        contact=request.contact, conversation_id=conversation_id
    )
    _rating, created = rating_services.rating_submit(
        conversation=conversation,
        score=request.json.get("score"),
        comment=request.json.get("comment"),
    )
    return JsonResponse(protocol.conversation_to_dict(conversation), status=201 if created else 200)
