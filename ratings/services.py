"""Writes of the ratings domain: a visitor's rating and the one rating prompt per conversation."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from support import errors
from support import services as support_services
from support.channels import channel_capabilities, reply_window_open
from support.events import event_emit
from support.languages import contact_language
from support.models import Conversation, Message

from . import selectors, tasks
from .links import rating_link_url
from .models import COMMENT_MAX_CHARS, SCORE_MAX, SCORE_MIN, Rating


def clean_score(score: Any) -> int:
    """An int from 1 to 5 (not a bool, not a string)."""
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise errors.InvalidInput(
            _("score must be a whole number from %(min)s to %(max)s.")
            % {"min": SCORE_MIN, "max": SCORE_MAX},
            code="invalid_score",
        )
    return score


def clean_comment(comment: Any) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str) or "\x00" in comment:
        raise errors.InvalidInput(_("comment must be a string."), code="invalid_comment")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise errors.InvalidInput(
            _("comment must be at most %(max)s characters.") % {"max": COMMENT_MAX_CHARS},
            code="comment_too_long",
        )
    return comment


def rating_submit(
    *, conversation: Conversation, score: Any, comment: Any = None, now: datetime | None = None
) -> tuple[Rating, bool]:
    """Rate a resolved conversation's current resolution. Returns (rating, created).

    One rating per resolution: submitting again within RATING_EDIT_WINDOW_SECONDS of the
    first changes it (the visitor may correct a slip, or add a comment to the stars); after
    that it is 409 `already_rated`. Reopened and resolved again, it may be rated anew.
    `comment=None` (none given, e.g. a star chip) keeps the comment a change would replace.
    """
    score = clean_score(score)
    keep_comment = comment is None
    comment = clean_comment(comment)
    now = now or timezone.now()
    window = timedelta(seconds=settings.DESTEK["RATING_EDIT_WINDOW_SECONDS"])
    with transaction.atomic():
        # The row lock orders concurrent submits: the second sees the first's rating.
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if not locked.is_resolved:
            raise errors.Conflict(
                _("Only a resolved conversation can be rated."), code="not_resolved"
            )
        rating = Rating.objects.filter(current_for=locked).first()
        if rating is None:
            rating = Rating.objects.create(
                conversation=locked,
                current_for=locked,
                resolved_at=locked.resolved_at or now,
                score=score,
                comment=comment,
            )
            created = True
            event_emit("rating.created", rating_id=rating.pk, conversation_id=locked.pk)
        elif now - rating.created_at <= window:
            rating.score = score
            if not keep_comment:
                rating.comment = comment
            rating.save(update_fields=["score", "comment", "updated_at"])
            created = False
        else:
            raise errors.Conflict(
                _("This conversation has already been rated."), code="already_rated"
            )
        event_emit("conversation.updated", conversation_id=locked.pk)
    conversation.rating = rating
    return rating, created


# --- The rating prompt -------------------------------------------------------------------


def rating_prompt_enqueue(*, conversation_id: int) -> None:
    """After the resolve committed (ratings.listeners): the prompt RATING_PROMPT_DELAY_SECONDS
    later (a product rule: give the visitor a moment to read the resolution before asking)."""
    delay = settings.DESTEK["RATING_PROMPT_DELAY_SECONDS"]
    tasks.rating_prompt.apply_async((conversation_id,), countdown=delay)


def rating_prompt_actions() -> list[dict]:
    return [
        {"type": "rating", "label": "★" * n, "value": str(n)}
        for n in range(SCORE_MAX, SCORE_MIN - 1, -1)
    ]


def rating_current_end(*, conversation: Conversation) -> None:
    """The conversation reopens: its rating becomes history (it stays in the reports' comments
    and the API), and the next resolution may be rated. No query when it was loaded with its
    rating (the message path's lock) and has none."""
    if selectors.rating_for_conversation(conversation=conversation) is not None:
        Rating.objects.filter(current_for=conversation).update(current_for=None)
        Conversation.rating.related.set_cached_value(conversation, None)


def rating_prompt_send(*, conversation_id: int, now: datetime | None = None) -> bool:
    """Post the one "How did we do?" bot message of this resolution, if the conversation is
    still resolved and its resolution unrated. Claimed by a conditional UPDATE (… WHERE
    rating_prompted_at is NULL or before this resolution) in the same transaction as the
    message: a redelivered task or a second resolve sends nothing; resolving again after a
    reopen asks again.

    Where the customer can press buttons (the widget) the line offers the stars, and a
    visitor who has left gets the rating e-mail too; elsewhere (WhatsApp, e-mail) the line
    carries the rating page's link and the channel sends it, if its reply window is open
    (support.channels)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (
            Conversation.objects.filter(
                pk=conversation_id, status=Conversation.Status.RESOLVED, rating__isnull=True
            )
            .filter(Q(rating_prompted_at__isnull=True) | Q(rating_prompted_at__lt=F("resolved_at")))
            .update(rating_prompted_at=now)
        )
        if not claimed:
            return False
        conversation = Conversation.objects.select_related("contact").get(pk=conversation_id)
        buttons = channel_capabilities(conversation.channel).buttons
        if not buttons and not reply_window_open(conversation, now=now):
            # WhatsApp lets no free text through any more: nobody is asked (the claim stays:
            # this resolution is not asked again).
            return False
        # One prompt per resolution: its client id names the resolution.
        resolution = f"{conversation.resolved_at:%Y%m%dT%H%M%S%f}"
        with translation.override(contact_language(conversation.contact)):
            if buttons:
                body = _("How did we do? Rate this conversation.")
            else:
                link = rating_link_url(conversation_id=conversation_id)
                body = f"{_('How did we do? Rate this conversation:')} {link}"
        support_services.message_send(
            conversation=conversation,
            sender_type="bot",
            body=body,
            actions=rating_prompt_actions() if buttons else None,
            client_id=f"rating-prompt-{conversation_id}-{resolution}",
        )
        contact = conversation.contact
        if buttons and contact.email and not _visitor_is_here(contact=contact, now=now):
            transaction.on_commit(
                lambda: rating_email_send(conversation_id=conversation_id), robust=True
            )
    return True


# A visitor whose widget has not been heard from for this long gets the prompt by email too.
VISITOR_AWAY_AFTER = timedelta(minutes=2)
TRANSCRIPT_MESSAGES = 50


def _visitor_is_here(*, contact, now: datetime) -> bool:
    return contact.last_seen_at is not None and contact.last_seen_at >= now - VISITOR_AWAY_AFTER


def rating_email_send(*, conversation_id: int) -> None:
    """The prompt by email: a link to rate (valid a week) and the transcript."""
    conversation = Conversation.objects.select_related("contact").get(pk=conversation_id)
    messages = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sender_agent__agent_profile")
        .order_by("-id")[:TRANSCRIPT_MESSAGES]
    )[::-1]
    with translation.override(contact_language(conversation.contact)):
        link = rating_link_url(conversation_id=conversation_id)
        lines = [_("How did we do? Rate this conversation:"), link, "", _("Transcript")]
        for message in messages:
            # Local time, as the transcript e-mail writes it (not UTC).
            sent_at = timezone.localtime(message.created_at)
            lines.append(f"[{sent_at:%Y-%m-%d %H:%M}] {_sender(message)}: {message.body}")
        send_mail(
            subject=_("Your conversation #%(id)s: how did we do?") % {"id": conversation_id},
            message="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[conversation.contact.email],
        )


def _sender(message) -> str:
    if message.sender_type == "agent" and message.sender_agent_id:
        profile = getattr(message.sender_agent, "agent_profile", None)
        return profile.name if profile else message.sender_agent.get_username()
    return {"visitor": _("You"), "bot": _("Assistant"), "system": "—"}.get(message.sender_type, "")


def rating_thanks_text(*, conversation: Conversation) -> str:
    with translation.override(contact_language(conversation.contact)):
        return _("Thank you for your rating!")


def rating_comments_erase(*, conversation_ids: list[int]) -> int:
    """Erasure (support.privacy): the visitor's words go, the scores stay for the figures."""
    return (
        Rating.objects.filter(conversation_id__in=conversation_ids)
        .exclude(comment="")
        .update(comment="")
    )
