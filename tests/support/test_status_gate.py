"""support.services.conversation_transition: the one status gate. Every move is checked
against STATUS_TRANSITIONS and leaves one audit record; no other code writes the status."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction

from support import errors, services
from support.models import AuditEvent, Conversation
from tests import factories

pytestmark = pytest.mark.django_db

Status = Conversation.Status
TRANSITIONS = services.STATUS_TRANSITIONS
LEGAL_MOVES = sorted((s, t) for s, targets in TRANSITIONS.items() for t in targets)
ILLEGAL_MOVES = sorted(
    (s, t) for s in TRANSITIONS for t in TRANSITIONS if t != s and t not in TRANSITIONS[s]
)


def conversation_in(status: str) -> Conversation:
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    return Conversation.objects.get(pk=conversation.pk)


def status_records(conversation) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
            conversation_ref=conversation.pk,
        ).order_by("pk")
    )


# --- the gate --------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), LEGAL_MOVES)
def test_an_allowed_move_writes_the_status_and_one_audit_record(source, target):
    conversation = conversation_in(source)
    person = factories.agent(display_name="Ayşe").user

    with transaction.atomic():
        fields = services.conversation_transition(
            conversation=conversation, to=target, by=person, reason="test"
        )

    assert "status" in fields
    assert Conversation.objects.get(pk=conversation.pk).status == target
    [record] = status_records(conversation)
    assert record.actor == person
    assert record.actor_name == "Ayşe"
    assert record.contact_ref == conversation.contact_id
    assert record.detail == {"from": source, "to": target, "reason": "test"}


def test_a_system_move_is_audited_as_the_system():
    conversation = conversation_in(Status.PENDING)

    with transaction.atomic():
        services.conversation_transition(
            conversation=conversation, to=Status.OPEN, by=None, reason="visitor_reply"
        )

    [record] = status_records(conversation)
    assert record.actor is None
    assert record.actor_name == "system"


@pytest.mark.parametrize(("source", "target"), ILLEGAL_MOVES)
def test_an_illegal_move_raises_and_writes_nothing(source, target):
    conversation = conversation_in(source)

    with pytest.raises(errors.IllegalTransition), transaction.atomic():
        services.conversation_transition(
            conversation=conversation, to=target, by=None, reason="test"
        )

    assert conversation.status == source
    assert Conversation.objects.get(pk=conversation.pk).status == source
    assert status_records(conversation) == []


def test_an_unknown_status_is_invalid_input_and_writes_nothing():
    conversation = conversation_in(Status.OPEN)

    with pytest.raises(errors.InvalidInput), transaction.atomic():
        services.conversation_transition(
            conversation=conversation, to="closed", by=None, reason="test"
        )

    assert Conversation.objects.get(pk=conversation.pk).status == Status.OPEN
    assert status_records(conversation) == []


def test_staying_put_is_no_move_and_no_record():
    conversation = conversation_in(Status.OPEN)

    with transaction.atomic():
        fields = services.conversation_transition(
            conversation=conversation, to=Status.OPEN, by=None, reason="test"
        )

    assert fields == []
    assert status_records(conversation) == []


# --- the paths that used to write the status themselves --------------------------------------


def test_an_agent_reply_reopening_a_resolved_conversation_is_checked_and_audited():
    agent = factories.agent(display_name="Mert").user
    conversation = factories.resolved_conversation(agent_user=agent)
    before = len(status_records(conversation))

    factories.message(conversation=conversation, sender_type="agent", agent_user=agent)

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.resolved_at is None
    records = status_records(conversation)
    assert len(records) == before + 1
    assert records[-1].actor == agent
    assert records[-1].detail == {"from": "resolved", "to": "open", "reason": "agent_reply"}


def test_a_visitor_reply_to_a_pending_conversation_is_audited_as_the_system():
    conversation = conversation_in(Status.PENDING)

    factories.message(conversation=conversation, sender_type="visitor")

    assert Conversation.objects.get(pk=conversation.pk).status == Status.OPEN
    [record] = status_records(conversation)
    assert record.actor is None
    assert record.detail == {"from": "pending", "to": "open", "reason": "visitor_reply"}


def test_taking_a_conversation_from_the_bot_opens_it_with_a_record():
    conversation = conversation_in(Status.BOT)
    agent = factories.agent().user

    services.conversation_assign(conversation=conversation, to_user=agent, by_user=agent)

    assert Conversation.objects.get(pk=conversation.pk).status == Status.OPEN
    [record] = status_records(conversation)
    assert record.actor == agent
    assert record.detail == {"from": "bot", "to": "open", "reason": "assigned"}


def test_unassigning_queues_it_again_with_a_record():
    agent = factories.agent().user
    conversation = conversation_in(Status.QUEUED)
    services.conversation_assign(conversation=conversation, to_user=agent, by_user=agent)

    services.conversation_unassign(conversation=conversation, by_user=agent)

    reloaded = Conversation.objects.get(pk=conversation.pk)
    assert (reloaded.status, reloaded.assignee_id) == (Status.QUEUED, None)
    moves = [
        (r.detail["from"], r.detail["to"], r.detail["reason"]) for r in status_records(conversation)
    ]
    assert moves == [("queued", "open", "assigned"), ("open", "queued", "unassigned")]


# --- nothing else writes the status ----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = (
    "chat",
    "config",
    "console",
    "emails",
    "faq",
    "integrations",
    "proactive",
    "ratings",
    "support",
    "whatsapp",
)
# The gate, and the one place a conversation is born with its first status.
ALLOWED = {
    ("support/services/transitions.py", "conversation_transition"),
    ("support/services/conversations.py", "conversation_create:create"),
}
# The other models with a status field: their own writes are theirs.
OTHER_STATUS_MODELS = {"WebhookDelivery", "InboundEmail", "OutboundEmail"}
SQL_STATUS = re.compile(r"\bUPDATE\b[^;]*\bSET\b[^;]*\bstatus\b", re.IGNORECASE | re.DOTALL)


def _root_name(node) -> str | None:
    """The name a chain like Model.objects.filter(...).update starts from."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _enum_owner(node, aliases: dict[str, str]) -> str | None:
    """`X.Status.MEMBER` → "X"; `Status.MEMBER` with `Status = X.Status` → "X"."""
    if not isinstance(node, ast.Attribute):
        return None
    enum = node.value
    if isinstance(enum, ast.Attribute) and enum.attr == "Status":
        return _root_name(enum)
    if isinstance(enum, ast.Name):
        return aliases.get(enum.id)
    return None


def _call_writes_status(node: ast.Call) -> str | None:
    """ "" for a call that writes the status, ":create" for one that creates a conversation
    with its status, None otherwise."""
    func = node.func
    keywords = {k.arg for k in node.keywords}
    root = _root_name(func)
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if root in OTHER_STATUS_MODELS:
        return None
    names_status = any(
        isinstance(c, ast.Constant) and c.value == "status"
        for arg in node.args
        for c in ast.walk(arg)
    )
    if (name == "update" and "status" in keywords) or (
        name in ("bulk_update", "setattr") and names_status
    ):
        return ""
    if "status" in keywords and (
        name == "Conversation" or (root == "Conversation" and name in ("create", "get_or_create"))
    ):
        return ":create"
    return None


def status_writes(source: str, path: str) -> list[str]:
    """Every place in one module that writes a Conversation's status, as "path:line function"."""
    tree = ast.parse(source)
    aliases = {
        node.targets[0].id: _root_name(node.value.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "Status"
    }
    found = []

    def visit(node, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        hit = None
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and part.attr == "status"
                        and _enum_owner(node.value, aliases) not in OTHER_STATUS_MODELS
                    ):
                        hit = function
        elif isinstance(node, ast.Call):
            kind = _call_writes_status(node)
            if kind is not None:
                hit = f"{function}{kind}"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_STATUS.search(node.value)
        ):
            hit = function
        if hit is not None and (path, hit) not in ALLOWED:
            found.append(f"{path}:{node.lineno} {hit}")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_only_the_gate_writes_a_conversations_status():
    found = []
    for app in PRODUCT_APPS:
        for file in sorted((ROOT / app).rglob("*.py")):
            relative = file.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            found += status_writes(file.read_text(encoding="utf-8"), relative)
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "conversation.status = Status.OPEN",
        "locked.status = 'open'",
        "Conversation.objects.filter(pk=1).update(status='open')",
        "queryset.update(status=Conversation.Status.OPEN, assignee=None)",
        "Conversation.objects.bulk_update(rows, ['status'])",
        "setattr(conversation, 'status', 'open')",
        "Conversation.objects.create(contact=c, status='open')",
        "cursor.execute('UPDATE support_conversation SET status = %s')",
    ],
)
def test_the_scan_sees_a_status_write(line):
    source = f"Status = Conversation.Status\ndef elsewhere():\n    {line}\n"
    [found] = status_writes(source, "support/views.py")
    assert found.startswith("support/views.py:3 elsewhere")


@pytest.mark.parametrize(
    "line",
    [
        "delivery.status = Status.SUCCEEDED",
        "locked.status = WebhookDelivery.Status.FAILED",
        "WebhookDelivery.objects.filter(pk=1).update(status=Status.FAILED)",
        "WebhookDelivery.objects.create(status=Status.PENDING)",
        "Conversation.objects.filter(status=Status.OPEN).update(priority='high')",
        "conversation.status == Status.OPEN",
    ],
)
def test_the_scan_leaves_other_models_and_reads_alone(line):
    source = f"Status = WebhookDelivery.Status\ndef elsewhere():\n    {line}\n"
    assert status_writes(source, "integrations/services.py") == []


def test_the_scan_knows_every_other_model_with_a_status():
    with_status = {
        model.__name__
        for model in apps.get_models()
        if any(field.name == "status" for field in model._meta.get_fields())
    }
    assert with_status == {"Conversation", *OTHER_STATUS_MODELS}
